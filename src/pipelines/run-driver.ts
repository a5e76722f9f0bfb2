import type { StepEvent } from './engine-types.js'
import type { PipelineData } from './map-items.js'
import { runMappedStep } from './map-runner.js'
import type { MapStore } from './map-store.js'
import type { Pipeline } from './pipeline.js'
import { ReadySteps } from './ready-steps.js'
import type { PipelineRun, StepRun } from './run-types.js'
import type { Step } from './step.js'
import { runStepAttempts, type StepAttemptParts } from './step-attempts.js'
import type { Done } from './step-inputs.js'

/** What driving a run's steps needs from the engine. */
export interface DriveParts extends StepAttemptParts {
  maps: MapStore
  /** The data repository, for steps mapped over datums (opened on first use). */
  data: (() => Promise<PipelineData>) | undefined
  /** Steps of the run under way at once. */
  concurrency: number
}

/**
 * The DAG loop of one drive of a run: starts every step whose inputs are done (up to
 * `parts.concurrency` at once; a mapped step through {@link runMappedStep}), skips the steps
 * downstream of a failure, and stops starting steps once `signal` aborts. `state.done` holds
 * the outputs of steps that succeeded (those of an earlier drive included) and gains the new
 * ones; `state.failed` gains the steps that failed or were skipped.
 */
export async function driveSteps(
  parts: DriveParts,
  run: PipelineRun,
  p: Pipeline,
  rows: ReadonlyMap<string, StepRun>,
  state: { done: Map<string, Done>; failed: Set<string> },
  signal: AbortSignal,
  onEvent: ((e: StepEvent) => void) | undefined,
): Promise<void> {
  const { done, failed } = state
  const limit = parts.concurrency
  const inFlight = new Map<string, Promise<void>>()
  const ready = new ReadySteps(
    p.steps.map((s) => s.name),
    p.upstream,
    done,
  )
  const justFailed: string[] = []
  const steps = new Map(p.steps.map((s) => [s.name, s as Step<string, unknown>]))
  for (;;) {
    // A cancelled run's steps stay `cancelled`: nothing is skipped or started after the abort.
    for (let f = justFailed.shift(); f !== undefined && !signal.aborted; f = justFailed.shift()) {
      for (const name of ready.failed(f)) {
        failed.add(name)
        await parts.store.endStep(run.runId, name, 'skipped', parts.ctx.clock.now(), 'an input step failed')
        onEvent?.({ runId: run.runId, step: name, status: 'skipped', attempt: 0, cached: false })
      }
    }
    while (inFlight.size < limit && !signal.aborted) {
      const name = ready.next()
      if (name === undefined) break
      const s = steps.get(name) as Step<string, unknown>
      const attempts = rows.get(name)?.attempt ?? 0
      const task = (
        s.map === undefined
          ? runStepAttempts(
              parts,
              run,
              p,
              s,
              attempts,
              done,
              (e) => onEvent?.({ runId: run.runId, step: name, ...e }),
              signal,
            )
          : runMapped(parts, run, p, s, attempts, done, onEvent, signal)
      ).then(
        (out) => {
          if (out === undefined) {
            failed.add(name)
            justFailed.push(name)
          } else {
            done.set(name, out)
            ready.succeeded(name)
          }
        },
        (err: unknown) => {
          failed.add(name)
          throw err
        },
      )
      inFlight.set(
        name,
        task.finally(() => inFlight.delete(name)),
      )
    }
    if (inFlight.size === 0 && (justFailed.length === 0 || signal.aborted)) break
    if (inFlight.size > 0) await Promise.race(inFlight.values())
  }
}

/** A mapped step: its elements (see {@link runMappedStep}), reported as one step's events. */
async function runMapped(
  parts: DriveParts,
  run: PipelineRun,
  p: Pipeline,
  s: Step<string, unknown>,
  previousAttempts: number,
  done: ReadonlyMap<string, Done>,
  onEvent: ((e: StepEvent) => void) | undefined,
  signal: AbortSignal,
): Promise<Done | undefined> {
  const data = s.map?.source.kind === 'datums' && parts.data !== undefined ? await parts.data() : undefined
  return runMappedStep(
    {
      ctx: parts.ctx,
      store: parts.store,
      maps: parts.maps,
      executor: parts.executor,
      limits: parts.limits,
      data,
      concurrency: parts.concurrency,
    },
    run,
    p,
    s,
    previousAttempts,
    done,
    (e) =>
      onEvent?.({
        runId: run.runId,
        step: s.name,
        status: e.status,
        attempt: previousAttempts + 1,
        cached: e.cached,
        ...(e.durationMs === undefined ? {} : { durationMs: e.durationMs }),
        ...(e.error === undefined ? {} : { error: e.error }),
        ...(e.counts === undefined ? {} : { elements: e.counts }),
      }),
    signal,
  )
}
