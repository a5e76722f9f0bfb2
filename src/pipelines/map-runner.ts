import type { ServiceContext } from '../data/index.js'
import type { Executor, StepJobResult } from '../ports/index.js'
import { type CacheKey, cacheEntry, elementKey, groupKey, mappedBaseKey } from './cache-key.js'
import { datumsKey, type MapItem, mapItems, type PipelineData } from './map-items.js'
import { writeMapOutput } from './map-output.js'
import type { MapStore } from './map-store.js'
import { type Pipeline, pipelineRoot } from './pipeline.js'
import type { PipelineRun, RunStore } from './run-store.js'
import { sleep } from './sleep.js'
import type { JsonValue, Step } from './step.js'
import { type Done, stepInputs } from './step-inputs.js'
import type { StepLimits } from './step-limits.js'
import { recordStepLineage } from './step-lineage.js'
import { putStepLog } from './step-logs.js'
import { getOutput, putOutput } from './step-outputs.js'

/** What a mapped step needs of its engine. */
export interface MapRunnerParts {
  ctx: ServiceContext
  store: RunStore
  maps: MapStore
  executor: Executor
  limits: StepLimits
  data: PipelineData | undefined
  /** Elements under way at once (the engine's per-run concurrency). */
  concurrency: number
}

/** A mapped step's group event (its elements are counted, not announced one by one). */
export interface MapEvent {
  status: 'running' | 'succeeded' | 'failed' | 'cancelled'
  cached: boolean
  durationMs?: number
  error?: string
  /** Elements that ran, hit the cache, failed. */
  counts?: { ran: number; cached: number; failed: number; total: number }
}

/** The label of one element: `train[3]`. */
export function elementLabel(step: string, index: number): string {
  return `${step}[${index}]`
}

/**
 * Runs a mapped step (fan-out): resolves its items, gives each element its own cache key (over
 * the item's content address), reuses the cached outputs, runs the others through the executor
 * (each its own attempts and log), and publishes the collected outputs, in the items' order, as
 * the step's output (fan-in). Element states are written in batches. For a step over datums with
 * a dataset output, the outputs are also committed to that dataset. Resolves undefined when an
 * element failed or the run was cancelled.
 */
export async function runMappedStep(
  parts: MapRunnerParts,
  run: PipelineRun,
  p: Pipeline,
  s: Step<string, unknown>,
  previousAttempts: number,
  done: ReadonlyMap<string, Done>,
  onEvent: (e: MapEvent) => void,
  signal: AbortSignal,
): Promise<Done | undefined> {
  const { ctx, store, maps } = parts
  const started = ctx.clock.now()
  const fail = async (message: string, status: 'failed' | 'cancelled' = 'failed') => {
    await store.endStep(run.runId, s.name, status, ctx.clock.now(), message)
    onEvent({ status, cached: false, durationMs: ctx.clock.now() - started, error: message })
    return undefined
  }
  const { values, addresses, lineageInputs } = stepInputs(run, s, done)
  let items: MapItem[]
  try {
    items = await mapItems(s, run, (name) => done.get(name)?.value, parts.data)
  } catch (err) {
    return fail((err as Error).message)
  }
  const base = mappedBaseKey(s, run.params, addresses, p.sourceHash, pipelineRoot(p))
  const keys = items.map((it) => elementKey(s.name, base, addresses, it.address))
  const group = groupKey(
    s.name,
    base,
    keys.map((k) => k.key),
  )
  await store.startStep(run.runId, s.name, previousAttempts + 1, group.key, started)
  onEvent({ status: 'running', cached: false })

  let existing = await maps.elements(run.runId, s.name)
  if (existing.length === 0) await maps.insertPending(run.runId, s.name, items)
  else await maps.resetUnfinished(run.runId, s.name)
  if (existing.length !== 0 && existing.length !== items.length) existing = []
  const useCache = s.cache && !run.noCache
  const hits = useCache ? await maps.cachedMany([group.key, ...keys.map((k) => k.key)]) : new Map()
  const groupHit = hits.get(group.key)

  const hashes: (string | undefined)[] = new Array(items.length)
  const outValues: (JsonValue | undefined)[] = new Array(items.length)
  const writer = maps.writer(run.runId, s.name)
  const toRun: number[] = []
  let cachedCount = 0
  for (let i = 0; i < items.length; i++) {
    const prior = existing[i]
    const item = items[i] as MapItem
    const key = keys[i] as CacheKey
    if (prior?.status === 'succeeded' && prior.outputHash !== null) {
      hashes[i] = prior.outputHash
      if (prior.cached) cachedCount++
      continue
    }
    const hit = hits.get(key.key)
    if (hit === undefined) {
      toRun.push(i)
      continue
    }
    hashes[i] = hit
    cachedCount++
    writer.set({
      index: i,
      key: item.key,
      address: item.address,
      status: 'succeeded',
      attempt: prior?.attempt ?? 0,
      cacheKey: key.key,
      outputHash: hit,
      cached: true,
      startedAt: started,
      endedAt: started,
      error: null,
    })
  }

  const failures: string[] = []
  let failedCount = 0
  const runElement = async (i: number): Promise<void> => {
    const item = items[i] as MapItem
    const key = keys[i] as CacheKey
    let attempt = existing[i]?.attempt ?? 0
    for (let tries = 0; ; tries++) {
      attempt++
      const at = ctx.clock.now()
      const row = {
        index: i,
        key: item.key,
        address: item.address,
        status: 'running' as const,
        attempt,
        cacheKey: key.key,
        outputHash: null,
        cached: false,
        startedAt: at,
        endedAt: null,
        error: null,
      }
      writer.set(row)
      const free = await parts.limits.acquire(`${p.name}/${s.name}`, s.concurrency)
      let result: StepJobResult
      try {
        result = await parts.executor.execute(
          {
            id: `${run.runId}/${elementLabel(s.name, i)}/${attempt}`,
            runId: run.runId,
            pipeline: p.name,
            step: s.name,
            attempt,
            params: run.params,
            inputs: values,
            element: { index: i, key: item.key, item: item.value },
          },
          { signal },
        )
      } finally {
        free()
      }
      await putStepLog(ctx.blobs, run.runId, elementLabel(s.name, i), attempt, result.log)
      if (result.ok) {
        const hash = await putOutput(ctx.blobs, result.output)
        const end = ctx.clock.now()
        hashes[i] = hash
        outValues[i] = (result.output ?? null) as JsonValue
        writer.set(
          { ...row, status: 'succeeded', outputHash: hash, endedAt: end },
          s.cache ? cacheEntry(p.name, s.name, key, hash, run.runId, end) : undefined,
        )
        return
      }
      if (signal.aborted) {
        writer.set({ ...row, status: 'cancelled', endedAt: ctx.clock.now(), error: result.error.message })
        return
      }
      if (result.error.retryable && tries < s.retries) {
        await sleep(s.retryDelayMs * 2 ** tries, signal)
        continue
      }
      const message =
        result.error.stack === undefined
          ? result.error.message
          : `${result.error.message}\n${result.error.stack}`
      failedCount++
      if (failures.length < 3)
        failures.push(`${elementLabel(s.name, i)} (${item.key}): ${result.error.message}`)
      writer.set({ ...row, status: 'failed', endedAt: ctx.clock.now(), error: message })
      return
    }
  }
  let cursor = 0
  const lanes = Math.max(1, Math.min(parts.concurrency, toRun.length))
  try {
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (cursor < toRun.length && !signal.aborted) await runElement(toRun[cursor++] as number)
      }),
    )
  } finally {
    await writer.flush()
  }
  const counts = { ran: toRun.length, cached: cachedCount, failed: failedCount, total: items.length }
  if (signal.aborted)
    return fail(
      `cancelled with ${items.length - toRun.length + cursor} of ${items.length} elements started`,
      'cancelled',
    )
  if (failedCount > 0) {
    return fail(
      `${failedCount} of ${items.length} elements failed: ${failures.join('; ')}${failedCount > failures.length ? '; …' : ''}`,
    )
  }

  // Fan-in: the outputs in the items' order. A whole-group hit reads one blob, not one per element.
  let hash: string
  let collected: JsonValue[]
  if (groupHit !== undefined && toRun.length === 0) {
    hash = groupHit
    collected = (await getOutput(ctx.blobs, groupHit)) as JsonValue[]
  } else {
    collected = []
    for (let i = 0; i < items.length; i++) {
      collected.push(
        outValues[i] !== undefined
          ? (outValues[i] as JsonValue)
          : await getOutput(ctx.blobs, hashes[i] as string),
      )
    }
    hash = await putOutput(ctx.blobs, collected)
  }
  const allCached = toRun.length === 0 && cachedCount === items.length
  const source = s.map?.source
  const inputCommit = source?.kind === 'datums' ? (run.resolved[datumsKey(s.name)] as string) : undefined
  // The dataset output is committed before the step is published: a step that succeeded has it.
  let outputCommit: string | undefined
  const output = s.map?.output
  if (
    output !== undefined &&
    inputCommit !== undefined &&
    source?.kind === 'datums' &&
    parts.data !== undefined
  ) {
    try {
      outputCommit = await writeMapOutput(parts.data, output, {
        runId: run.runId,
        pipeline: p.name,
        step: s.name,
        input: { dataset: source.dataset, commit: inputCommit },
        items,
        outputs: collected,
      })
    } catch (err) {
      return fail(
        `writing the outputs to ${output.dataset}@${output.branch} failed: ${(err as Error).message}`,
      )
    }
    await store.setOutputCommit(run.runId, s.name, outputCommit)
  }
  const end = ctx.clock.now()
  const published = await store.succeedStep(
    {
      runId: run.runId,
      step: s.name,
      attempt: previousAttempts + 1,
      cached: allCached,
      at: end,
      outputHash: hash,
    },
    s.cache ? cacheEntry(p.name, s.name, group, hash, run.runId, end) : undefined,
  )
  if (!published) return fail('cancelled', 'cancelled')
  const lineage =
    inputCommit === undefined ? lineageInputs : [...lineageInputs, `dataset-commit:${inputCommit}`]
  await recordStepLineage(ctx, run, s.name, lineage, hash, allCached ? 'cached' : 'run-step')
  if (outputCommit !== undefined) {
    await ctx.lineage.record({
      inputs: [`pipeline-step:${run.runId}/${s.name}`, `dataset-commit:${inputCommit}`],
      output: `dataset-commit:${outputCommit}`,
      activity: 'produce',
      at: ctx.clock.now(),
    })
  }
  onEvent({ status: 'succeeded', cached: allCached, durationMs: end - started, counts })
  return { hash, value: collected }
}
