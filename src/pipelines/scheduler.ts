import type { Clock } from '../core/clock.js'
import { errorMessage, isStrataError } from '../core/errors.js'
import type { PipelineEngine } from './pipeline-engine.js'
import type { PipelineRun } from './run-store.js'
import type { PipelineTrigger } from './triggers.js'

/** A trigger that fired in a {@link PipelineScheduler.tick}. */
export interface TriggerFiring {
  pipeline: string
  trigger: string
  /** The commit id, or the cron minute as an ISO time. */
  fireKey: string
  run: PipelineRun
}

/** A trigger that could not be checked (its dataset missing, …); the others go on. */
export interface TriggerProblem {
  pipeline: string
  trigger: string
  error: string
}

/** Options of {@link PipelineScheduler}. */
export interface PipelineSchedulerOptions {
  /** How late a cron minute may still fire (a scheduler that was down skips older ones; default 120 s). */
  cronGraceMs?: number
}

/**
 * Fires the triggers of a project's pipelines: for each commit trigger the ref's head commit,
 * for each cron trigger the latest scheduled minute (within the grace). A firing creates its
 * run at most once across every scheduler sharing the metadata database
 * ({@link PipelineEngine.startFired}). `tick` only creates runs; the caller drives them.
 */
export class PipelineScheduler {
  constructor(
    private readonly engine: PipelineEngine,
    private readonly clock: Clock,
    private readonly options: PipelineSchedulerOptions = {},
  ) {}

  /** Checks every trigger once; resolves the runs this call created and the triggers that could not be checked. */
  async tick(): Promise<{ fired: TriggerFiring[]; problems: TriggerProblem[] }> {
    const fired: TriggerFiring[] = []
    const problems: TriggerProblem[] = []
    for (const p of await this.engine.list()) {
      for (const t of p.triggers) {
        try {
          const key = await this.dueKey(t)
          if (key === undefined) continue
          const run = await this.engine.startFired(
            p.name,
            { triggerId: t.id, fireKey: key.fireKey },
            { tags: key.tags },
          )
          if (run !== undefined) fired.push({ pipeline: p.name, trigger: t.id, fireKey: key.fireKey, run })
        } catch (err) {
          if (!isStrataError(err)) throw err
          problems.push({ pipeline: p.name, trigger: t.id, error: errorMessage(err) })
        }
      }
    }
    return { fired, problems }
  }

  private async dueKey(
    t: PipelineTrigger,
  ): Promise<{ fireKey: string; tags: Record<string, string> } | undefined> {
    if (t.kind === 'commit') {
      const commit = await this.engine.resolveRef(t.dataset, t.ref)
      return { fireKey: commit, tags: { trigger: t.id, 'trigger.commit': commit } }
    }
    const now = this.clock.now()
    const grace = this.options.cronGraceMs ?? 120_000
    const minute = t.schedule.latestAtOrBefore(now, Math.ceil(grace / 60_000))
    if (minute === undefined || now - minute > grace) return undefined
    const iso = new Date(minute).toISOString()
    return { fireKey: iso, tags: { trigger: t.id, 'trigger.time': iso } }
  }
}
