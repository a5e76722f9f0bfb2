import type { Clock } from '../../core/clock.js'
import { errorMessage } from '../../core/errors.js'
import { parseCron } from '../../pipelines/index.js'
import type { RetrainLoop } from '../loop/loop-types.js'
import type { MonitorDefinition } from './monitor-definition.js'
import type { RunMonitorOptions } from './monitor-runner.js'
import type { MonitorReport } from './monitor-types.js'

/** What the scheduler drives (the monitoring service). */
export interface ScheduledMonitoring {
  list(): Promise<MonitorDefinition[]>
  claimScheduledRun(monitor: string, fireKey: string): Promise<boolean>
  run(name: string, options: RunMonitorOptions & { advanceLoops?: boolean }): Promise<MonitorReport>
  advanceLoops(): Promise<{ loops: RetrainLoop[]; errors: { id: string; error: string }[] }>
}

/** A scheduled run this process made. */
export interface ScheduledRun {
  monitor: string
  /** The cron minute (ISO). */
  fireKey: string
  status: string
  windowEnd: number
}

/** Options of {@link MonitorScheduler}. */
export interface MonitorSchedulerOptions {
  /** How late a cron minute may still fire (default 120 s; a scheduler that was down skips older ones). */
  cronGraceMs?: number
  /** How often a started scheduler checks the schedules and advances loops (default 5 000 ms). */
  pollMs?: number
  /** Reports a monitor run or loop that failed (default: ignored). */
  onError?: (err: Error) => void
  /** Reports each scheduled run made here. */
  onRun?: (run: ScheduledRun) => void
}

/**
 * Runs monitors on their `schedule` and advances the closed loops in flight — what `strata
 * server` does. Each cron minute of a monitor runs once across every server sharing the
 * metadata database: the minute is claimed under a unique key before the run (the pipeline
 * scheduler's firing key, for monitors), and the window is derived from the minute, not from
 * the clock of whichever server won. Loop steps are compare-and-set, so several servers advance
 * loops without doing a step twice. Monitor runs and loop advances run on two independent
 * rounds, so a long retrain does not hold up the schedules. A claimed minute whose run a crash
 * cut off is not run again (the next minute's window follows); re-run it with `strata monitor run`.
 */
export class MonitorScheduler {
  private timer: NodeJS.Timeout | undefined
  private monitoring: Promise<unknown> | undefined
  private looping: Promise<unknown> | undefined

  constructor(
    private readonly service: ScheduledMonitoring,
    private readonly clock: Clock,
    private readonly options: MonitorSchedulerOptions = {},
  ) {}

  /** Runs every monitor whose schedule is due now (claimed here); the runs made. */
  async runDue(): Promise<ScheduledRun[]> {
    const now = this.clock.now()
    const grace = this.options.cronGraceMs ?? 120_000
    const out: ScheduledRun[] = []
    for (const def of await this.service.list()) {
      if (def.schedule === undefined) continue
      try {
        const minute = parseCron(def.schedule).latestAtOrBefore(now, Math.ceil(grace / 60_000))
        if (minute === undefined || now - minute > grace) continue
        const fireKey = new Date(minute).toISOString()
        if (!(await this.service.claimScheduledRun(def.name, fireKey))) continue
        const windowEnd = Math.floor(minute / def.windowMs) * def.windowMs
        const report = await this.service.run(def.name, { windowEnd, advanceLoops: false })
        const run = { monitor: def.name, fireKey, status: report.result.status, windowEnd }
        out.push(run)
        this.options.onRun?.(run)
      } catch (err) {
        this.options.onError?.(new Error(`monitor "${def.name}": ${errorMessage(err)}`, { cause: err }))
      }
    }
    return out
  }

  /** Advances every loop in flight once. */
  async advanceLoops(): Promise<RetrainLoop[]> {
    const { loops, errors } = await this.service.advanceLoops()
    for (const e of errors) this.options.onError?.(new Error(`retrain loop ${e.id}: ${e.error}`))
    return loops
  }

  /** Checks every `pollMs` until closed (the timer does not keep the process alive). */
  start(): void {
    if (this.timer !== undefined) return
    const report = (err: unknown) =>
      this.options.onError?.(err instanceof Error ? err : new Error(String(err)))
    this.timer = setInterval(() => {
      this.monitoring ??= this.runDue()
        .catch(report)
        .finally(() => {
          this.monitoring = undefined
        })
      this.looping ??= this.advanceLoops()
        .catch(report)
        .finally(() => {
          this.looping = undefined
        })
    }, this.options.pollMs ?? 5000)
    this.timer.unref()
  }

  /** Stops checking and waits for the round in progress. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await Promise.allSettled([this.monitoring, this.looping])
  }
}
