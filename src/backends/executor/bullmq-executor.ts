import { Queue, QueueEvents, Worker } from 'bullmq'
import { errorMessage, StrataError } from '../../core/errors.js'
import type {
  ExecuteOptions,
  Executor,
  ExecutorCapabilities,
  StepJob,
  StepJobHandler,
  StepJobResult,
} from '../../ports/index.js'
import { cancelledResult } from './local-executor.js'

/** Where the queue lives: a Redis URL and a queue name. */
export interface BullMqLocation {
  /** `redis://host:port/db` (the `bullmq+` prefix of a config URI removed). */
  redisUrl: string
  /** The queue steps are pushed to (default `strata-steps`). */
  queue?: string
  /** Key prefix in Redis (default `strata`). */
  prefix?: string
}

/** What a BullMQ executor URI says: where the queue is, and the coordinator's bounds. */
export type BullMqUri = Required<BullMqLocation> &
  Pick<BullMqExecutorConfig, 'checkIntervalMs' | 'unavailableAfterMs'>

/**
 * Parses `bullmq+redis://host:port/db?queue=name` (or `bullmq+rediss://…`), failing with
 * `INVALID_ARGUMENT` naming the URI otherwise. Optional query parameters: `check-seconds` (how
 * often a waiting coordinator checks its jobs in Redis) and `unavailable-seconds` (how long Redis
 * may stay unreachable before the step attempt fails with `UNAVAILABLE`); see
 * {@link BullMqExecutorConfig}.
 */
export function parseBullMqUri(uri: string): BullMqUri {
  const m = /^bullmq\+(rediss?:\/\/.*)$/.exec(uri)
  if (m?.[1] === undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `executor URI "${uri}" is not a BullMQ URI; expected "bullmq+redis://host:port/db?queue=strata-steps"`,
    )
  }
  const url = new URL(m[1])
  const queue = url.searchParams.get('queue') ?? 'strata-steps'
  const prefix = url.searchParams.get('prefix') ?? 'strata'
  const checkSeconds = secondsParam(uri, url, 'check-seconds')
  const unavailableSeconds = secondsParam(uri, url, 'unavailable-seconds')
  url.search = ''
  if (queue.includes(':'))
    throw new StrataError('INVALID_ARGUMENT', `BullMQ queue name "${queue}" cannot contain ":"`)
  return {
    redisUrl: url.toString(),
    queue,
    prefix,
    ...(checkSeconds === undefined ? {} : { checkIntervalMs: checkSeconds * 1000 }),
    ...(unavailableSeconds === undefined ? {} : { unavailableAfterMs: unavailableSeconds * 1000 }),
  }
}

function secondsParam(uri: string, url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name)
  if (raw === null) return undefined
  const seconds = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `executor URI "${uri}": ${name}=${raw} is not a positive number of seconds`,
    )
  }
  return seconds
}

function connection(redisUrl: string) {
  const url = new URL(redisUrl)
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0
  return {
    host: url.hostname,
    port: url.port === '' ? 6379 : Number(url.port),
    db,
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ's blocking commands require it; the executor bounds waits itself.
    maxRetriesPerRequest: null,
  }
}

/** Options of {@link BullMqExecutor}. */
export interface BullMqExecutorConfig extends BullMqLocation {
  /** How long `execute` waits for a worker to finish a step before `UNAVAILABLE` (default: no bound). */
  timeoutMs?: number
  /**
   * How often a waiting `execute` checks its job in Redis (default 5 s): a job finished while its
   * event was lost is picked up, and a job gone from Redis (restarted without persistence) fails
   * the attempt with a retryable `UNAVAILABLE` instead of waiting forever.
   */
  checkIntervalMs?: number
  /**
   * How long Redis may stay unreachable (a queue or check command unanswered) before the attempt
   * fails with a retryable `UNAVAILABLE` naming the Redis address (default 120 s). Shorter
   * outages are waited out: ioredis reconnects and the run goes on.
   */
  unavailableAfterMs?: number
  /** How long finished jobs (and their results, for dedupe) are kept in Redis (default 1 day). */
  keepSeconds?: number
}

/**
 * The coordinator's side of the BullMQ executor: each step is a job on a Redis queue, run by
 * whichever `strata worker` takes it (see {@link startBullMqWorker}). Job ids are the step
 * attempt ids, so a re-submitted attempt is not queued twice and its kept result is returned.
 * A worker killed mid-step loses its lock; BullMQ's stalled-job check puts the job back on the
 * queue and another worker runs it. The DAG stays with the engine (BullMQ flows are trees).
 */
export class BullMqExecutor implements Executor {
  readonly kind = 'bullmq'
  readonly capabilities: ExecutorCapabilities = { dedupe: true }
  private readonly queue: Queue
  private readonly events: QueueEvents
  private readonly ready: Promise<void>
  /** The jobs `execute` waits for, by id: one listener per event kind, not one per job. */
  private readonly waiting = new Map<string, (result: StepJobResult) => void>()
  private closed = false

  constructor(private readonly config: BullMqExecutorConfig) {
    const name = config.queue ?? 'strata-steps'
    const prefix = config.prefix ?? 'strata'
    const keep = config.keepSeconds ?? 86_400
    this.queue = new Queue(name, {
      connection: connection(config.redisUrl),
      prefix,
      defaultJobOptions: { removeOnComplete: { age: keep }, removeOnFail: { age: keep }, attempts: 1 },
    })
    this.events = new QueueEvents(name, { connection: connection(config.redisUrl), prefix })
    this.ready = Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]).then(
      () => undefined,
    )
    // A lost connection shows as a failed execute; ioredis reconnects by itself.
    this.queue.on('error', () => {})
    this.events.on('error', () => {})
    // An event without a readable result (seen after Redis restarts mid-job) settles nothing:
    // the job's check reads the result stored with the job instead.
    this.events.on('completed', ({ jobId, returnvalue }) => {
      const result = stepResult(returnvalue)
      if (result !== undefined) this.waiting.get(jobId)?.(result)
    })
    this.events.on('failed', ({ jobId, failedReason }) => {
      const settle = this.waiting.get(jobId)
      if (settle !== undefined) settle(unavailableResult(jobId, `failed in the queue: ${failedReason}`))
    })
  }

  async execute(job: StepJob, options: ExecuteOptions = {}): Promise<StepJobResult> {
    if (this.closed) throw new StrataError('FAILED_PRECONDITION', 'the BullMQ executor is closed')
    const signal = options.signal
    if (signal?.aborted === true) return cancelledResult(job)
    return new Promise<StepJobResult>((resolve) => {
      let settled = false
      const timers: NodeJS.Timeout[] = []
      const onAbort = () => {
        // Tell whichever worker runs it; a job still waiting is removed from the queue.
        void this.cancelRemote(job.id)
        settle(cancelledResult(job))
      }
      const settle = (result: StepJobResult) => {
        if (settled) return
        settled = true
        for (const t of timers) clearTimeout(t)
        this.waiting.delete(job.id)
        signal?.removeEventListener('abort', onAbort)
        resolve(result)
      }
      this.waiting.set(job.id, settle)
      signal?.addEventListener('abort', onAbort, { once: true })
      if (this.config.timeoutMs !== undefined) {
        const ms = this.config.timeoutMs
        timers.push(setTimeout(() => settle(unavailable(job, `did not finish within ${ms} ms`)), ms))
      }
      void this.watch(job, () => settled).then(
        (result) => {
          if (result !== undefined) settle(result)
        },
        (err: unknown) => settle(unavailable(job, errorMessage(err))),
      )
    })
  }

  /**
   * Queues the job, then checks it in Redis every `checkIntervalMs` until `done()`: resolves with
   * its result when it finished (its event may have been lost in a reconnect), with an
   * `UNAVAILABLE` failure when it is gone from Redis or Redis stays unreachable past the bound.
   */
  private async watch(job: StepJob, done: () => boolean): Promise<StepJobResult | undefined> {
    const every = this.config.checkIntervalMs ?? 5000
    await this.bounded(this.ready, job)
    await this.bounded(this.queue.add('step', job, { jobId: job.id }), job)
    let unreadable = 0
    while (!done()) {
      await new Promise((r) => setTimeout(r, every).unref())
      if (done()) return undefined
      const queued = await this.bounded(this.queue.getJob(job.id), job)
      if (queued === undefined || queued === null) {
        return unavailable(
          job,
          `is no longer in Redis (${this.address()}): Redis lost its data, e.g. it restarted without persistence; the attempt did not finish`,
        )
      }
      const state = await this.bounded(queued.getState(), job)
      if (state === 'completed') {
        const result = stepResult(queued.returnvalue)
        if (result !== undefined) return result
        unreadable += 1
        if (unreadable >= 3) {
          return unavailable(
            job,
            `completed in the queue without a readable result (${this.address()}); the attempt's output is unknown`,
          )
        }
      }
      if (state === 'failed') return unavailable(job, `failed in the queue: ${queued.failedReason}`)
    }
    return undefined
  }

  /** `promise`, or a rejection naming Redis when it does not answer within `unavailableAfterMs`. */
  private bounded<T>(promise: Promise<T>, job: StepJob): Promise<T> {
    const ms = this.config.unavailableAfterMs ?? 120_000
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `Redis at ${this.address()} did not answer for ${ms / 1000} s (queue "${this.queue.name}", step job ${job.id})`,
            ),
          ),
        ms,
      )
    })
    promise.catch(() => {})
    return Promise.race([promise, late]).finally(() => clearTimeout(timer))
  }

  private address(): string {
    const url = new URL(this.config.redisUrl)
    return `${url.hostname}:${url.port === '' ? '6379' : url.port}`
  }

  /** Publishes the cancel of a job to the workers (see {@link startBullMqWorker}) and removes it if still waiting. */
  private async cancelRemote(jobId: string): Promise<void> {
    try {
      // The Redis backend's client is an ioredis connection.
      const client = (await this.queue.backend.client) as unknown as PubSub
      await client.publish(cancelChannel(this.config), jobId)
      await this.queue.remove(jobId).catch(() => 0)
    } catch {
      // Redis unreachable: the run is cancelled in the metadata database either way.
    }
  }

  async close(): Promise<void> {
    this.closed = true
    // A graceful close waits for Redis to answer; after an outage it may not (commands still
    // queued for a server that lost them), so after a few seconds the connections are dropped.
    let timer: NodeJS.Timeout | undefined
    const graceful = Promise.allSettled([this.events.close(), this.queue.close()])
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), 5000)
    })
    const outcome = await Promise.race([graceful, late])
    clearTimeout(timer)
    if (outcome === 'late') {
      // Not awaited: a force disconnect can itself wait on a connection that never became ready.
      this.events.disconnect().catch(() => {})
      this.queue.disconnect().catch(() => {})
    }
  }
}

/** A retryable `UNAVAILABLE` failure of a step job, as a result (the engine records the step failed). */
function unavailable(job: StepJob, what: string): StepJobResult {
  return unavailableResult(job.id, what)
}

function unavailableResult(jobId: string, what: string): StepJobResult {
  return {
    ok: false,
    log: [],
    error: { code: 'UNAVAILABLE', message: `step job ${jobId} ${what}`, retryable: true },
  }
}

/** What the executor and workers use of an ioredis connection for cancels. */
interface PubSub {
  publish(channel: string, message: string): Promise<number>
  subscribe(channel: string): Promise<unknown>
  on(event: string, listener: (...args: never[]) => void): unknown
  disconnect(): void
}

/** The Redis pub/sub channel on which cancels of a queue's jobs are published. */
function cancelChannel(location: BullMqLocation): string {
  return `${location.prefix ?? 'strata'}:${location.queue ?? 'strata-steps'}:cancel`
}

/** Options of {@link startBullMqWorker}. */
export interface BullMqWorkerConfig extends BullMqLocation {
  handler: StepJobHandler
  /** Steps this worker runs at once (default 1). */
  concurrency?: number
  /** How long a worker's lock on a step lasts without renewal; a killed worker's step is re-queued after it (default 30 s). */
  lockDurationMs?: number
  /** How often stalled steps are looked for (default half the lock duration). */
  stalledIntervalMs?: number
}

/** A running worker. */
export interface BullMqWorker {
  /** Stops taking steps and waits for the ones under way. */
  close(): Promise<void>
}

/**
 * The worker's side (`strata worker`): pulls step jobs from the queue and runs each with the
 * handler; the result (ok or not) is the job's return value. A handler that throws gives an
 * `INTERNAL` result rather than a BullMQ failure, so the coordinator sees one shape.
 */
export async function startBullMqWorker(config: BullMqWorkerConfig): Promise<BullMqWorker> {
  const lock = config.lockDurationMs ?? 30_000
  // Cancels published by executors; remembered a minute, so a cancel that arrives just before
  // the job starts here still stops it.
  const cancelled = new Map<string, number>()
  const worker = new Worker<StepJob, StepJobResult>(
    config.queue ?? 'strata-steps',
    async (job, _token, signal) => {
      if (job.id !== undefined && cancelled.has(job.id)) return cancelledResult(job.data)
      try {
        return await config.handler(job.data, signal)
      } catch (err) {
        return {
          ok: false,
          log: [],
          error: { code: 'INTERNAL', message: `step handler failed: ${errorMessage(err)}`, retryable: true },
        }
      }
    },
    {
      connection: connection(config.redisUrl),
      prefix: config.prefix ?? 'strata',
      concurrency: config.concurrency ?? 1,
      lockDuration: lock,
      stalledInterval: config.stalledIntervalMs ?? Math.max(500, Math.floor(lock / 2)),
      maxStalledCount: 3,
    },
  )
  worker.on('error', () => {})
  await worker.waitUntilReady()
  const subscriber = (await worker.backend.client).duplicate() as unknown as PubSub
  subscriber.on('error', () => {})
  subscriber.on('message', (_channel: string, jobId: string) => {
    const now = Date.now()
    for (const [id, at] of cancelled) if (now - at > 60_000) cancelled.delete(id)
    cancelled.set(jobId, now)
    worker.cancelJob(jobId, 'cancelled')
  })
  await subscriber.subscribe(cancelChannel(config))
  return {
    close: async () => {
      await worker.close()
      subscriber.disconnect()
    },
  }
}

/** A step job's result as a worker stored it, or undefined when what Redis gave back is not one. */
function stepResult(value: unknown): StepJobResult | undefined {
  let v = value
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v)
    } catch {
      return undefined
    }
  }
  if (v === null || typeof v !== 'object') return undefined
  const r = v as { ok?: unknown; log?: unknown }
  return typeof r.ok === 'boolean' && Array.isArray(r.log) ? (v as StepJobResult) : undefined
}
