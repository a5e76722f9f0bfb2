import type { Kysely } from 'kysely'
import type { ServiceContext } from '../data/index.js'
import type { Executor, StepJobResult } from '../ports/index.js'
import { cacheEntry, cacheKey } from './cache-key.js'
import { fileRefs } from './file-outputs.js'
import type { OutputStore } from './output-store.js'
import { type Pipeline, pipelineRoot } from './pipeline.js'
import type { PipelineRun, RunStore } from './run-store.js'
import { sleep } from './sleep.js'
import type { JsonValue, Step } from './step.js'
import { type Done, stepInputs } from './step-inputs.js'
import type { StepLimits } from './step-limits.js'
import { recordStepLineage } from './step-lineage.js'
import { putStepLog } from './step-logs.js'

/** What running the attempts of one step needs from the engine. */
export interface StepAttemptParts {
  ctx: ServiceContext
  store: RunStore
  outputs: OutputStore
  executor: Executor
  limits: StepLimits
}

/** A change of one step's state, reported by {@link runStepAttempts}. */
export interface StepAttemptEvent {
  status: 'running' | 'succeeded' | 'failed' | 'retrying' | 'cancelled'
  attempt: number
  cached: boolean
  durationMs?: number
  error?: string
}

/**
 * One (unmapped) step of a run: a cache hit, or attempts through the executor with retries and
 * backoff. A success is published in one transaction: the step row turns `succeeded`, its cache
 * entry, its output (when small enough to be inline) and its lineage are written together, so a
 * crash leaves either all of them or none. Resolves undefined when the step failed or was
 * cancelled.
 */
export async function runStepAttempts(
  parts: StepAttemptParts,
  run: PipelineRun,
  p: Pipeline,
  s: Step<string, unknown>,
  previousAttempts: number,
  done: ReadonlyMap<string, Done>,
  onEvent: (e: StepAttemptEvent) => void,
  signal: AbortSignal,
): Promise<Done | undefined> {
  const { ctx, store, outputs } = parts
  const { values, addresses, lineageInputs } = stepInputs(run, s, done)
  const key = cacheKey(s, run.params, addresses, p.sourceHash, pipelineRoot(p))
  const started = ctx.clock.now()
  if (s.cache && !run.noCache) {
    const hit = await store.cached(key.key)
    if (hit !== undefined) {
      const value = await outputs.get(hit.output_hash)
      await store.cacheHit(run.runId, s.name, key.key, hit.output_hash, started, (trx) =>
        recordStepLineage(ctx, run, s.name, lineageInputs, hit.output_hash, 'cached', {
          trx: trx as Kysely<object>,
        }),
      )
      onEvent({ status: 'succeeded', attempt: 0, cached: true, durationMs: 0 })
      return { hash: hit.output_hash, value }
    }
  }
  let attempt = previousAttempts
  for (let tries = 0; ; tries++) {
    attempt++
    const at = ctx.clock.now()
    const mark = markStart(parts, run.runId, s.name, attempt, key.key, at)
    await mark.eager
    onEvent({ status: 'running', attempt, cached: false })
    const free = await parts.limits.acquire(`${p.name}/${s.name}`, s.concurrency)
    const result: StepJobResult = await parts.executor
      .execute(
        {
          id: `${run.runId}/${s.name}/${attempt}`,
          runId: run.runId,
          pipeline: p.name,
          step: s.name,
          attempt,
          params: run.params,
          inputs: values,
        },
        { signal },
      )
      .finally(free)
    const started = await mark.settle()
    const unrecorded = started ? undefined : { attempt, at, cacheKey: key.key }
    await putStepLog(ctx.blobs, run.runId, s.name, attempt, result.log)
    if (result.ok) {
      const output = await outputs.prepare(result.output)
      const end = ctx.clock.now()
      await store.succeedStep(
        {
          runId: run.runId,
          step: s.name,
          attempt,
          cached: false,
          at: end,
          outputHash: output.hash,
          ...(started ? {} : { started: { at, cacheKey: key.key } }),
        },
        s.cache ? cacheEntry(p.name, s.name, key, output.hash, run.runId, end) : undefined,
        async (trx) => {
          await outputs.insert(trx, output, end)
          await recordStepLineage(ctx, run, s.name, lineageInputs, output.hash, 'run-step', {
            files: fileRefs(result.output),
            trx: trx as Kysely<object>,
          })
        },
      )
      onEvent({ status: 'succeeded', attempt, cached: false, durationMs: end - at })
      return { hash: output.hash, value: result.output as JsonValue }
    }
    if (signal.aborted) {
      // The run was cancelled: its row (and this step's) already say so.
      await store.endStep(run.runId, s.name, 'cancelled', ctx.clock.now(), result.error.message, unrecorded)
      onEvent({ status: 'cancelled', attempt, cached: false })
      return undefined
    }
    const message =
      result.error.stack === undefined
        ? result.error.message
        : `${result.error.message}\n${result.error.stack}`
    if (result.error.retryable && tries < s.retries) {
      onEvent({ status: 'retrying', attempt, cached: false, error: result.error.message })
      await sleep(s.retryDelayMs * 2 ** tries, signal)
      continue
    }
    await store.endStep(run.runId, s.name, 'failed', ctx.clock.now(), message, unrecorded)
    onEvent({
      status: 'failed',
      attempt,
      cached: false,
      durationMs: ctx.clock.now() - at,
      error: result.error.message,
    })
    return undefined
  }
}

/**
 * How long an attempt on an executor that keeps no job ids runs before its `running` state is
 * written; one that ends sooner is recorded once, when it is published.
 */
export const RUNNING_MARK_MS = 50

/**
 * Records the start of an attempt. With an executor that keeps job ids (`capabilities.dedupe`,
 * BullMQ), before the job is submitted: the attempt number must never be reused, even after a
 * crash. With one that keeps none (the local executor: its jobs end with this process), only
 * when the attempt is still running after {@link RUNNING_MARK_MS} — so other processes see
 * long steps as `running` — and otherwise not at all: the publishing (or failing) transaction
 * records the attempt, its start and cache key. A crash before then leaves the step `pending` at
 * its previous attempt count, to be run again on resume; nothing of the attempt was published.
 */
function markStart(
  parts: StepAttemptParts,
  runId: string,
  step: string,
  attempt: number,
  cacheKey: string,
  at: number,
): { eager: Promise<void> | undefined; settle(): Promise<boolean> } {
  const write = () => parts.store.startStep(runId, step, attempt, cacheKey, at)
  if (parts.executor.capabilities.dedupe) {
    const eager = write()
    return { eager, settle: async () => true }
  }
  let marking: Promise<boolean> | undefined
  const timer = setTimeout(() => {
    marking = write().then(
      () => true,
      () => false,
    )
  }, RUNNING_MARK_MS)
  return {
    eager: undefined,
    settle: async () => {
      clearTimeout(timer)
      return (await marking) ?? false
    },
  }
}
