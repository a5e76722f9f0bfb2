import type { Clock } from '../core/clock.js'
import { errorMessage } from '../core/errors.js'
import { pollEvery } from '../core/poll-loop.js'
import type { PipelineEngine } from './pipeline-engine.js'
import { PipelineScheduler } from './scheduler.js'

/** A run a {@link TriggerLoop} drove to its end (or failed to drive). */
export interface TriggeredRun {
  runId: string
  pipeline: string
  /** The trigger id, or `resume` for an abandoned run taken over. */
  trigger: string
  fireKey: string
  /** The run's final status, or `error` when driving it threw. */
  status: string
  error?: string
}

/** Options of {@link TriggerLoop}. */
export interface TriggerLoopOptions {
  /** Time between two checks (default 10,000 ms). */
  pollMs?: number
  /** Called when a run it drove ended. */
  onRun?: (run: TriggeredRun) => void
  /** Called for a trigger that could not be checked, or a check that failed. */
  onProblem?: (message: string) => void
}

/**
 * What `strata scheduler` and `strata server` run: every `pollMs`, fires the pipelines' due
 * triggers ({@link PipelineScheduler}; exactly once per commit or cron minute across every
 * process sharing the metadata database), drives the runs they created, and resumes runs whose
 * coordinator died. `check` is one such pass; `start` repeats it until `close`, which waits for
 * the runs under way.
 */
export class TriggerLoop {
  private readonly scheduler: PipelineScheduler
  private readonly driving = new Map<string, Promise<void>>()
  private stopPolling: (() => Promise<void>) | undefined

  constructor(
    private readonly engine: PipelineEngine,
    clock: Clock,
    private readonly options: TriggerLoopOptions = {},
  ) {
    this.scheduler = new PipelineScheduler(engine, clock)
  }

  /** One pass: fires due triggers and starts driving their runs and the abandoned ones. */
  async check(): Promise<void> {
    const { fired, problems } = await this.scheduler.tick()
    for (const f of fired) this.drive(f.run.runId, () => this.engine.drive(f.run.runId), f)
    for (const p of problems) this.options.onProblem?.(`${p.pipeline} ${p.trigger}: ${p.error}`)
    for (const r of await this.engine.staleRuns()) {
      this.drive(r.runId, () => this.engine.resume(r.runId), {
        pipeline: r.pipeline,
        trigger: 'resume',
        fireKey: r.runId,
      })
    }
  }

  /** Resolves when every run being driven ended. */
  async idle(): Promise<void> {
    while (this.driving.size > 0) await Promise.all(this.driving.values())
  }

  /** Checks now and every `pollMs` until {@link close}. */
  start(): void {
    this.stopPolling ??= pollEvery(this.options.pollMs ?? 10_000, () =>
      this.check().catch((err: unknown) => this.options.onProblem?.(errorMessage(err))),
    )
  }

  /** Stops checking and waits for the runs under way to end. */
  async close(): Promise<void> {
    await this.stopPolling?.()
    await this.idle()
  }

  private drive(
    runId: string,
    how: () => Promise<{ run: { status: string } }>,
    info: { pipeline: string; trigger: string; fireKey: string },
  ): void {
    if (this.driving.has(runId)) return
    const p = how().then(
      (r) => this.options.onRun?.({ runId, ...info, status: r.run.status }),
      (err: unknown) => this.options.onRun?.({ runId, ...info, status: 'error', error: errorMessage(err) }),
    )
    this.driving.set(
      runId,
      p.finally(() => this.driving.delete(runId)),
    )
  }
}
