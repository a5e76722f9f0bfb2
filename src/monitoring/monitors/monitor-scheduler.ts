import type { Clock } from '../../core/clock.js'
import { errorMessage } from '../../core/errors.js'
import { parseCron } from '../../pipelines/index.js'
import type { RetrainLoop } from '../loop/loop-types.js'
import type { MonitorDefinition } from './monitor-definition.js'
import type { RunMonitorOptions } from './monitor-runner.js'
import type { MonitorReport } from './monitor-types.js'
import type { FireLeases } from './schedule-fires.js'

/** What the scheduler drives (the monitoring service). */
export interface ScheduledMonitoring {
  list(): Promise<MonitorDefinition[]>
  /** The leases of scheduled runs (`MonitoringService.scheduleFires`). */
  readonly scheduleFires: FireLeases
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
  /** 1 for a fresh claim; more when this process took over a run a killed server left. */
  attempt: number
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
  /**
   * How long a claimed run is held without a renewal (default 60 000 ms; renewed every third of
   * it while the run lasts). A server killed mid-run stops renewing; once its lease expired,
   * another server takes the run over.
   */
  leaseMs?: number
  /** Claims of one scheduled run (the first and the takeovers) before it is given up (default 3). */
  maxAttempts?: number
}

/**
 * Runs monitors on their `schedule` and advances the closed loops in flight — what `strata
 * server` does. Each cron minute of a monitor runs once across every server sharing the
 * metadata database: the minute is claimed under a unique key before the run (the pipeline
 * scheduler's firing key, for monitors), and the window is derived from the minute, not from
 * the clock of whichever server won. Loop steps are compare-and-set, so several servers advance
 * loops without doing a step twice. Monitor runs and loop advances run on two independent
 * rounds, so a long retrain does not hold up the schedules. A claimed minute is a lease, renewed
 * while its run lasts: when a server is killed mid-run its lease expires and another server (or
 * the restarted one) takes the run over — the same minute, the same window — up to `maxAttempts`
 * claims; a run that fails with an error is reported and not retried.
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

  /**
   * Takes over the scheduled runs killed servers left (their lease expired), then runs every
   * monitor whose schedule is due now (claimed here); the runs made.
   */
  async runDue(): Promise<ScheduledRun[]> {
    const now = this.clock.now()
    const grace = this.options.cronGraceMs ?? 120_000
    const leaseMs = this.options.leaseMs ?? 60_000
    const fires = this.service.scheduleFires
    const out: ScheduledRun[] = []
    const defs = new Map((await this.service.list()).map((d) => [d.name, d]))
    for (const fire of await fires.expiredFires()) {
      const def = defs.get(fire.monitor)
      try {
        const owner = await fires.takeOverFire(fire, leaseMs, this.options.maxAttempts ?? 3)
        if (owner === null) {
          if (fire.attempts >= (this.options.maxAttempts ?? 3))
            this.options.onError?.(
              new Error(
                `monitor "${fire.monitor}": the run of ${fire.fireKey} was cut off ${fire.attempts} times; given up (re-run it with "strata monitor run ${fire.monitor}")`,
              ),
            )
          continue
        }
        if (def === undefined) {
          await fires.finishFire(fire.monitor, fire.fireKey, owner, 'error')
          continue
        }
        const run = await this.runClaimed(def, fire.fireKey, owner, fire.attempts + 1)
        if (run !== undefined) out.push(run)
      } catch (err) {
        this.options.onError?.(new Error(`monitor "${fire.monitor}": ${errorMessage(err)}`, { cause: err }))
      }
    }
    for (const def of defs.values()) {
      if (def.schedule === undefined) continue
      try {
        const minute = parseCron(def.schedule).latestAtOrBefore(now, Math.ceil(grace / 60_000))
        if (minute === undefined || now - minute > grace) continue
        const fireKey = new Date(minute).toISOString()
        const owner = await fires.claimFire(def.name, fireKey, leaseMs)
        if (owner === null) continue
        const run = await this.runClaimed(def, fireKey, owner, 1)
        if (run !== undefined) out.push(run)
      } catch (err) {
        this.options.onError?.(new Error(`monitor "${def.name}": ${errorMessage(err)}`, { cause: err }))
      }
    }
    return out
  }

  /**
   * Runs a claimed minute on its window, renewing the lease while the run lasts, and ends the
   * lease (`error` when the run failed: reported, not retried).
   */
  private async runClaimed(
    def: MonitorDefinition,
    fireKey: string,
    owner: string,
    attempt: number,
  ): Promise<ScheduledRun | undefined> {
    const fires = this.service.scheduleFires
    const leaseMs = this.options.leaseMs ?? 60_000
    const windowEnd = Math.floor(Date.parse(fireKey) / def.windowMs) * def.windowMs
    let renewing: Promise<unknown> = Promise.resolve()
    const renew = setInterval(
      () => {
        renewing = renewing.then(() =>
          fires.renewFire(def.name, fireKey, owner, leaseMs).catch((err) => this.options.onError?.(err)),
        )
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    )
    renew.unref()
    try {
      const report = await this.service.run(def.name, { windowEnd, advanceLoops: false })
      clearInterval(renew)
      await renewing
      await fires.finishFire(def.name, fireKey, owner, 'ok')
      const run = { monitor: def.name, fireKey, status: report.result.status, windowEnd, attempt }
      this.options.onRun?.(run)
      return run
    } catch (err) {
      clearInterval(renew)
      await renewing
      await fires.finishFire(def.name, fireKey, owner, 'error')
      throw err
    }
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
