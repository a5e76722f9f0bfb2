import type { Worker } from 'node:worker_threads'
import { type ErrorCode, StrataError } from '../core/errors.js'
import { startModuleThread } from '../core/module-thread.js'
import {
  encodeEntryRow,
  type LoggedValues,
  type PayloadSink,
  type PredictionEntry,
} from '../serving/payload-log/index.js'
import type { PayloadWriterAnswer, PayloadWriterData, PayloadWriterRequest } from './payload-writer-thread.js'

/**
 * Most tensor elements (inputs and outputs) of an entry encoded on the request path: writing a
 * float as text costs ~0.15 µs, so a single row's few dozen cost a few microseconds, while the
 * 2,048 of a 64-row request would cost ~0.3 ms of event loop; larger entries are sent as they
 * are (a structured clone of a few large typed arrays is a copy) and encoded on the thread.
 */
const ENCODE_MAX_ELEMENTS = 64

/** An entry as it waits for the thread: its row's JSON, or the entry itself when it is large. */
export type QueuedEntry = string | PredictionEntry

interface Pending {
  resolve(batch: string): void
  reject(err: unknown): void
}

interface Thread {
  worker: Worker
  ready: Promise<void>
  dead: boolean
}

/**
 * The payload log's sink on a SQLite metadata database: a worker thread with its own connection
 * writes each batch (encoding, INSERTs and the lineage record), so better-sqlite3's synchronous
 * write never runs on the event loop. A small entry (a single row's tensors) is encoded as its
 * stored row's JSON when it is queued (a few microseconds, spread over the requests), and those
 * of a batch reach the thread as one string: one `postMessage` of a flat string instead of a
 * structured clone of a hundred entries' objects and typed arrays, which cost the request that
 * filled the batch 0.4–3.6 ms on a loaded 2-core machine. Larger entries are cloned and encoded on
 * the thread. The {@link PayloadLog} in front of it keeps its bounded queue, drop counting and
 * retries: a write that fails, or a thread that dies, rejects with `UNAVAILABLE`, the entries
 * stay queued, and the next write starts a new thread. Each write is one transaction in the
 * database, so a kill -9 leaves the log consistent exactly as a write on the event loop does.
 */
export class PayloadWriterThread implements PayloadSink<QueuedEntry> {
  private thread: Thread | undefined
  private readonly pending = new Map<number, Pending>()
  private seq = 0
  private closed = false

  constructor(private readonly data: PayloadWriterData) {}

  /**
   * A small entry's stored row as JSON (redaction applied), or a large entry itself, queued until
   * its batch is written.
   */
  encode(entry: PredictionEntry, options: { redact: ReadonlySet<string> }): QueuedEntry {
    const elements =
      tensorElements(entry.inputs) + (entry.outputs === null ? 0 : tensorElements(entry.outputs))
    return elements <= ENCODE_MAX_ELEMENTS ? encodeEntryRow(entry, options.redact) : entry
  }

  /** Writes entries made by {@link encode} as one batch on the thread; resolves with the batch id. */
  async write(items: readonly QueuedEntry[], options: { redact: ReadonlySet<string> }): Promise<string> {
    if (this.closed) throw new StrataError('UNAVAILABLE', 'the payload log writer is closed')
    const thread = this.current()
    await thread.ready
    const seq = ++this.seq
    const done = new Promise<string>((resolve, reject) => this.pending.set(seq, { resolve, reject }))
    thread.worker.ref()
    const rows: string[] = []
    const entries: PredictionEntry[] = []
    for (const item of items) {
      if (typeof item === 'string') rows.push(item)
      else entries.push(item)
    }
    thread.worker.postMessage({
      op: 'write',
      seq,
      rows: `[${rows.join(',')}]`,
      entries,
      redact: entries.length === 0 ? [] : [...options.redact],
    } satisfies PayloadWriterRequest)
    try {
      return await done
    } finally {
      if (this.pending.size === 0 && !thread.dead) thread.worker.unref()
    }
  }

  /**
   * Starts the thread now (it opens its connection while the server warms up) rather than on
   * the first write.
   */
  start(): void {
    if (!this.closed) this.current()
  }

  /** Closes the thread's connection and ends it (after the write under way, if any). */
  async close(): Promise<void> {
    this.closed = true
    const thread = this.thread
    this.thread = undefined
    if (thread === undefined || thread.dead) return
    try {
      await thread.ready
    } catch {
      return
    }
    thread.worker.ref()
    const exited = new Promise<void>((r) => thread.worker.once('exit', () => r()))
    thread.worker.postMessage({ op: 'close' } satisfies PayloadWriterRequest)
    await exited
  }

  private current(): Thread {
    if (this.thread !== undefined && !this.thread.dead) return this.thread
    const worker = startModuleThread(import.meta.url, 'payload-writer-thread', 'servePayloadWriterThread', {
      ...this.data,
    })
    worker.unref()
    let settleReady: (err?: unknown) => void = () => {}
    const thread: Thread = {
      worker,
      dead: false,
      ready: new Promise<void>((resolve, reject) => {
        settleReady = (err) => (err === undefined ? resolve() : reject(err))
      }),
    }
    // a thread that cannot start fails the write that started it (the entries stay queued)
    thread.ready.catch(() => {})
    const fail = (message: string) => {
      if (thread.dead) return
      thread.dead = true
      const err = new StrataError('UNAVAILABLE', `the payload log writer thread ${message}`)
      settleReady(err)
      for (const p of this.pending.values()) p.reject(err)
      this.pending.clear()
      void worker.terminate().catch(() => {})
    }
    worker.on('message', (m: PayloadWriterAnswer) => {
      if ('ready' in m) settleReady()
      else if ('closed' in m) void worker.terminate().catch(() => {})
      else if ('loadError' in m) fail(`could not start: ${m.loadError}`)
      else if ('seq' in m) {
        const p = this.pending.get(m.seq)
        this.pending.delete(m.seq)
        if (p === undefined) return
        if ('batch' in m) p.resolve(m.batch)
        else p.reject(new StrataError(m.error.code as ErrorCode, m.error.message))
      }
    })
    worker.on('error', (err) => fail(`crashed: ${err.message}`))
    worker.on('exit', (code) => {
      if (this.closed && this.pending.size === 0) thread.dead = true
      else fail(`exited with code ${code}`)
    })
    this.thread = thread
    return thread
  }
}

/** The elements of logged tensors (infinite for named values, which are not encoded early). */
function tensorElements(values: LoggedValues): number {
  if (!Array.isArray(values)) return Number.POSITIVE_INFINITY
  let n = 0
  for (const t of values as readonly { values: { length: number } }[]) n += t.values.length
  return n
}
