import { StrataError } from '../../core/errors.js'
import type { PredictionEntry } from './payload-types.js'

/**
 * Where a {@link PayloadLog} writes its batches ({@link PayloadStore} satisfies it). `Q` is the
 * form an entry waits in: the entry itself, or what `encode` makes of it when it is appended
 * (the writer thread's sink queues each entry as its stored row's JSON, so a batch crosses to
 * the thread as one string).
 */
export interface PayloadSink<Q = PredictionEntry> {
  /**
   * The queued form of `entry`, built on the event loop right after the turn that appended it
   * (once its request's answer is sent; keep it cheap); without it the entry itself is queued,
   * and `Q` must be {@link PredictionEntry}.
   */
  encode?(entry: PredictionEntry, options: { redact: ReadonlySet<string> }): Q
  /** Writes one batch (one transaction where the store has them); resolves with the batch id. */
  write(entries: readonly Q[], options: { redact: ReadonlySet<string> }): Promise<string>
}

/** Options of {@link PayloadLog}. */
export interface PayloadLogOptions {
  /** Most entries waiting to be written; beyond it new entries are dropped and counted (default 10,000). */
  maxQueue?: number | undefined
  /** Most entries per write (default 100: a SQLite write blocks the event loop while it runs, so writes stay short and requests run between them). */
  maxBatch?: number | undefined
  /** Milliseconds between flushes of a non-full queue (default 1,000). */
  flushIntervalMs?: number | undefined
  /** Fraction of predictions logged, from 0 to 1 (default 1: all). */
  sampleRate?: number | undefined
  /** Input, output or feature names stored as `"[redacted]"`. */
  redact?: readonly string[] | undefined
  /** Called with each failed write (the entries stay queued and are retried). */
  onError?: (err: unknown) => void
}

/** Counters of a {@link PayloadLog}. */
export interface PayloadLogStats {
  /** Entries waiting to be written. */
  queued: number
  /** Entries written. */
  written: number
  /** Entries dropped because the queue was full. */
  dropped: number
  /** Entries not logged by sampling. */
  sampledOut: number
  /** Writes that failed (their entries were kept and retried). */
  failedWrites: number
}

/**
 * The payload log's writer: {@link append} only queues (it never waits, never throws); a timer
 * writes the queue in batches off the request path. The queue is bounded: when it is full an
 * entry is dropped and counted in `stats().dropped` (the `strata_payload_log_dropped_total`
 * metric) instead of blocking the request. A write that fails keeps its entries queued for the
 * next flush. What was written survives a kill -9; what was queued is lost with the process.
 */
export class PayloadLog<Q = unknown> {
  private queue: Q[] = []
  /** Entries appended this turn, waiting for the sink's `encode` (after their answers are sent). */
  private pending: PredictionEntry[] = []
  private encodeScheduled = false
  private readonly counts = { written: 0, dropped: 0, sampledOut: 0, failedWrites: 0 }
  private readonly maxQueue: number
  private readonly maxBatch: number
  private readonly sampleRate: number
  private readonly redact: ReadonlySet<string>
  private readonly writeOptions: { redact: ReadonlySet<string> }
  private readonly timer: NodeJS.Timeout
  private flushing: Promise<void> | undefined
  private closed = false

  constructor(
    private readonly sink: PayloadSink<Q>,
    private readonly options: PayloadLogOptions = {},
  ) {
    this.maxQueue = positive('maxQueue', options.maxQueue ?? 10_000)
    this.maxBatch = positive('maxBatch', options.maxBatch ?? 100)
    const interval = positive('flushIntervalMs', options.flushIntervalMs ?? 1000)
    const rate = options.sampleRate ?? 1
    if (!(rate >= 0 && rate <= 1))
      throw new StrataError(
        'INVALID_ARGUMENT',
        `sampleRate ${rate} is invalid; expected a number from 0 to 1`,
      )
    this.sampleRate = rate
    this.redact = new Set(options.redact ?? [])
    this.writeOptions = { redact: this.redact }
    // a failed timed write is reported through onError (and retried on the next tick)
    this.timer = setInterval(() => void this.flush().catch(() => {}), interval)
    this.timer.unref()
  }

  /**
   * Queues one prediction; returns whether it was queued (false when sampled out, dropped
   * because the queue is full, or the log is closed).
   */
  append(entry: PredictionEntry): boolean {
    if (this.closed) {
      this.counts.dropped++
      return false
    }
    if (this.sampleRate < 1 && Math.random() >= this.sampleRate) {
      this.counts.sampledOut++
      return false
    }
    if (this.queue.length + this.pending.length >= this.maxQueue) {
      this.counts.dropped++
      return false
    }
    if (this.sink.encode === undefined) {
      this.queue.push(entry as unknown as Q)
      this.writeIfFull()
      return true
    }
    // encoded after this turn of the event loop, once the request's answer is sent
    this.pending.push(entry)
    if (!this.encodeScheduled) {
      this.encodeScheduled = true
      setImmediate(() => this.encodePending())
    }
    return true
  }

  /**
   * Encodes the entries appended since the last turn into the queue. An entry that cannot be
   * encoded is counted as dropped and reported through `onError`; its request was answered.
   */
  private encodePending(): void {
    this.encodeScheduled = false
    const sink = this.sink
    const pending = this.pending
    this.pending = []
    if (sink.encode === undefined) return
    for (const entry of pending) {
      try {
        this.queue.push(sink.encode(entry, this.writeOptions))
      } catch (err) {
        this.counts.dropped++
        this.options.onError?.(err)
      }
    }
    this.writeIfFull()
  }

  /** A full batch is written now; a partial one waits for the timer (or flush/close). */
  private writeIfFull(): void {
    if (this.queue.length >= this.maxBatch && this.flushing === undefined) {
      this.flushing = this.drain(false).finally(() => (this.flushing = undefined))
      // a failed write is reported through onError and retried
      this.flushing.catch(() => {})
    }
  }

  /** The log's counters. */
  stats(): PayloadLogStats {
    return { queued: this.queue.length + this.pending.length, ...this.counts }
  }

  /**
   * Writes everything queued now, in batches; resolves when all of it is written. A failed write
   * leaves its entries queued (for the next flush), reports through `onError` and rejects with
   * `UNAVAILABLE`.
   */
  async flush(): Promise<void> {
    if (this.pending.length > 0) this.encodePending()
    while (this.flushing !== undefined) await this.flushing.catch(() => {})
    if (this.queue.length === 0) return
    this.flushing = this.drain(true).finally(() => (this.flushing = undefined))
    await this.flushing
  }

  /** Flushes and stops the timer; later entries are dropped. Rejects when the last write fails. */
  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    await this.flush()
  }

  /**
   * Writes the queue in batches of `maxBatch`: all of it, or (`all` false, when a request filled
   * a batch) only full batches, so that requests arriving during a write do not each cost a
   * write of their own (a write of a few rows costs about as much as one of a hundred).
   */
  private async drain(all: boolean): Promise<void> {
    while (all ? this.queue.length > 0 : this.queue.length >= this.maxBatch) {
      const batch = this.queue.slice(0, this.maxBatch)
      try {
        await this.sink.write(batch, this.writeOptions)
      } catch (err) {
        this.counts.failedWrites++
        this.options.onError?.(err)
        throw new StrataError(
          'UNAVAILABLE',
          `the payload log could not write ${batch.length} predictions (kept queued: ${this.queue.length}): ${(err as Error).message}`,
          { cause: err },
        )
      }
      // entries appended meanwhile stay after the batch
      this.queue = this.queue.slice(batch.length)
      this.counts.written += batch.length
      // let requests run between writes
      if (this.queue.length > 0) await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }
}

function positive(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 1)
    throw new StrataError('INVALID_ARGUMENT', `${name} ${n} is invalid; expected a whole number ≥ 1`)
  return n
}
