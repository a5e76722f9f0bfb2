import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { StrataError } from '../../core/errors.js'
import { type GearChunker, gearCut, gearTables } from './gear-chunker.js'

/** What a worker reports when a file is done. */
export interface ChunkedFileResult {
  size: number
  /** True when the file's size or modification time changed while it was read. */
  changed: boolean
}

/** Receives each chunk (in file order) with its SHA-256; the worker waits while too many are unsettled. */
export type ChunkSink = (bytes: Uint8Array, id: string) => Promise<void>

type Message =
  | { task: number; chunk: Uint8Array; id: string }
  | { task: number; done: true; size: number; changed: boolean }
  | { task: number; error: string; code?: string }

// Runs in the worker: reads a file sequentially, cuts it with gearCut, hashes and transfers each
// chunk; waits (Atomics) while `counter[0]` chunks are unsettled, stops early when `counter[1]` is set.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const fs = require('node:fs')
const gearCut = ${gearCut.toString()}
parentPort.on('message', (t) => {
  const ctr = new Int32Array(t.counter)
  const [minSize, avgSize, maxSize, maskS, maskL] = t.params
  let fd
  try {
    fd = fs.openSync(t.path, 'r')
    const before = fs.fstatSync(fd)
    let buf = Buffer.allocUnsafe(2 * maxSize)
    let len = 0
    let eof = false
    let total = 0
    for (;;) {
      while (!eof && len < buf.length) {
        const n = fs.readSync(fd, buf, len, buf.length - len, null)
        if (n === 0) eof = true
        else len += n
      }
      let start = 0
      while (len - start >= maxSize || (eof && len > start)) {
        const cut = gearCut(buf, start, len, minSize, avgSize, maxSize, maskS, maskL, t.gear, t.gearShifted)
        const piece = new Uint8Array(cut - start)
        piece.set(buf.subarray(start, cut))
        const id = createHash('sha256').update(piece).digest('hex')
        for (;;) {
          if (Atomics.load(ctr, 1) !== 0) throw new Error('cancelled')
          const inFlight = Atomics.load(ctr, 0)
          if (inFlight < t.maxInFlight) break
          Atomics.wait(ctr, 0, inFlight, 1000)
        }
        Atomics.add(ctr, 0, 1)
        parentPort.postMessage({ task: t.task, chunk: piece, id }, [piece.buffer])
        total += cut - start
        start = cut
      }
      if (start > 0) {
        buf.copyWithin(0, start, len)
        len -= start
      }
      if (eof && len === 0) break
    }
    const after = fs.fstatSync(fd)
    parentPort.postMessage({ task: t.task, done: true, size: total, changed: after.size !== total || after.mtimeMs !== before.mtimeMs || after.size !== before.size })
  } catch (err) {
    parentPort.postMessage({ task: t.task, error: String(err && err.message), code: err && err.code })
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
})
`

interface PooledWorker {
  worker: Worker
  busy: boolean
}

/**
 * Worker threads that chunk and hash large local files, so the gear-hash loop and SHA-256 of
 * big files run beside the main thread (which keeps uploading). Chunks are transferred, not
 * copied, and the exact bytes that were hashed are the ones uploaded. Idle workers do not keep
 * the process alive. When every worker is busy, {@link tryRun} returns `undefined` and the
 * caller chunks on its own thread instead of waiting.
 */
export class ChunkWorkerPool {
  private readonly workers: PooledWorker[] = []
  private nextTask = 1

  constructor(readonly size: number) {}

  /**
   * Chunks `path` in an idle worker, calling `sink` for each chunk in order; `undefined` when
   * all workers are busy. Rejects with the sink's first error (the worker then stops early).
   */
  tryRun(
    path: string,
    chunker: GearChunker,
    maxInFlight: number,
    sink: ChunkSink,
  ): Promise<ChunkedFileResult> | undefined {
    const slot = this.idle()
    if (slot === undefined) return undefined
    slot.busy = true
    slot.worker.ref()
    const task = this.nextTask++
    const counter = new SharedArrayBuffer(8)
    const ctr = new Int32Array(counter)
    const { gear, gearShifted } = gearTables()
    return new Promise<ChunkedFileResult>((resolve, reject) => {
      let failure: { error: unknown } | undefined
      let pending = Promise.resolve()
      const finish = () => {
        slot.worker.off('message', onMessage)
        slot.worker.off('error', onError)
        slot.busy = false
        slot.worker.unref()
      }
      const onError = (err: Error) => {
        finish()
        this.workers.splice(this.workers.indexOf(slot), 1)
        reject(
          new StrataError('INTERNAL', `chunking worker failed on ${path}: ${err.message}`, { cause: err }),
        )
      }
      const onMessage = (m: Message) => {
        if (m.task !== task) return
        if ('chunk' in m) {
          const release = () => {
            Atomics.sub(ctr, 0, 1)
            Atomics.notify(ctr, 0)
          }
          if (failure !== undefined) {
            release()
            return
          }
          const bytes = new Uint8Array(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength)
          const work = sink(bytes, m.id).catch((error: unknown) => {
            failure ??= { error }
            Atomics.store(ctr, 1, 1)
          })
          pending = Promise.all([pending, work.finally(release)]).then(() => {})
          return
        }
        finish()
        void pending.then(() => {
          if (failure !== undefined) reject(failure.error)
          else if ('error' in m) {
            reject(
              new StrataError(
                m.code === 'ENOENT' ? 'NOT_FOUND' : 'INTERNAL',
                `cannot read ${path}: ${m.error}`,
                {
                  details: { path },
                },
              ),
            )
          } else resolve({ size: m.size, changed: m.changed })
        })
      }
      slot.worker.on('message', onMessage)
      slot.worker.on('error', onError)
      slot.worker.postMessage({
        task,
        path,
        params: chunker.cutParams(),
        gear,
        gearShifted,
        counter,
        maxInFlight,
      })
    })
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    const all = this.workers.splice(0)
    await Promise.all(all.map((w) => w.worker.terminate()))
  }

  private idle(): PooledWorker | undefined {
    const free = this.workers.find((w) => !w.busy)
    if (free !== undefined) return free
    if (this.workers.length >= this.size) return undefined
    const worker = new Worker(WORKER_SOURCE, { eval: true })
    worker.unref()
    const slot = { worker, busy: false }
    worker.on('exit', () => {
      const i = this.workers.indexOf(slot)
      if (i >= 0) this.workers.splice(i, 1)
    })
    this.workers.push(slot)
    return slot
  }
}

let shared: ChunkWorkerPool | undefined

/** The process-wide pool: one worker per core beyond the first (at least one, at most four). */
export function sharedChunkWorkerPool(): ChunkWorkerPool {
  shared ??= new ChunkWorkerPool(Math.max(1, Math.min(4, availableParallelism() - 1)))
  return shared
}
