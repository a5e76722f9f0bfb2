import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { StrataError } from '../../core/errors.js'
import type { BlobStore } from '../../ports/index.js'
import { encodeManifest } from './chunk-manifest.js'
import type { ChunkWorkerPool } from './chunk-worker-pool.js'
import type { GearChunker } from './gear-chunker.js'
import { Limiter } from './limiter.js'
import { type BlobKind, blobKeyOf, type ObjectId, sha256Hex } from './object-id.js'
import { SyncBatcher } from './sync-batcher.js'

/** A stored file: its object id, size and, for a large file, how many chunks it has. */
export interface StoredObject {
  /** SHA-256 of the bytes for a whole file; SHA-256 of the chunk manifest for a chunked one. */
  id: ObjectId
  size: number
  /** Present when the file was split into chunks (its id then names a manifest). */
  chunks?: number
}

/** What one writer did, for progress and the benchmark. */
export interface WriteStats {
  /** File bytes hashed. */
  bytesIn: number
  /** Bytes uploaded to the blob store (objects, chunks, manifests and trees). */
  bytesWritten: number
  blobsWritten: number
  /** Blobs found already stored (by stat) or written earlier by this writer. */
  blobsReused: number
}

/** Settings shared by the writers of one {@link ObjectStore}. */
export interface ObjectWriterConfig {
  blobs: BlobStore
  chunker: GearChunker
  /** Files of at least this many bytes are chunked. */
  chunkThreshold: number
  /** Blob uploads in flight at once for this writer. */
  concurrency: number
  /** Worker threads that chunk large local files; absent to chunk on the calling thread. */
  pool?: ChunkWorkerPool
  /**
   * Write blobs with `{ durable: false }` and make them durable together in {@link ObjectWriter.flush}
   * (only when the blob store has `sync`; otherwise every put is durable anyway).
   */
  deferDurability?: boolean
}

/**
 * Writes content-addressed blobs for one operation (a commit). Each blob is stat'ed first and
 * uploaded only when missing; what this writer has stored or seen is remembered for its
 * lifetime only, because a later `gc` may remove blobs no commit ended up referencing.
 * Large files are streamed through the chunker: memory stays around `concurrency × maxSize`.
 *
 * With `deferDurability`, the writer remembers every blob it wrote or found already stored
 * (a killed earlier commit may have left it unsynced) and syncs them in batches, in the
 * background as they accumulate and the rest in {@link flush}; the caller must flush before anything durable (a ref) points at them. Files
 * confirmed through the stat cache are not synced again: the cache only records files of
 * published commits, whose blobs were synced before their ref moved.
 */
export class ObjectWriter {
  readonly stats: WriteStats = { bytesIn: 0, bytesWritten: 0, blobsWritten: 0, blobsReused: 0 }
  private readonly present = new Map<string, Promise<void>>()
  private readonly uploads: Limiter
  /** Keys written or found by this writer and not yet synced, when deferring durability. */
  private readonly unsynced: SyncBatcher | undefined

  constructor(private readonly config: ObjectWriterConfig) {
    this.uploads = new Limiter(config.concurrency)
    if (config.deferDurability === true && typeof config.blobs.sync === 'function') {
      this.unsynced = new SyncBatcher(config.blobs)
    }
  }

  /**
   * Makes every blob this writer wrote or found since the last flush durable (one batched
   * `sync` of the blob store). A no-op unless the writer defers durability. Call it after the
   * writes have settled and before publishing anything that references them.
   */
  async flush(): Promise<void> {
    await this.unsynced?.flush()
  }

  /** Stores bytes held in memory (chunked when at least the threshold). */
  async putBytes(bytes: Uint8Array): Promise<StoredObject> {
    if (bytes.byteLength < this.config.chunkThreshold) return this.putWhole(bytes)
    return this.putChunked(emptyStream(), bytes)
  }

  /** Stores a stream of unknown length: buffered up to the threshold, chunked beyond it. */
  async putStream(stream: AsyncIterable<Uint8Array>): Promise<StoredObject> {
    const it = stream[Symbol.asyncIterator]()
    const head: Uint8Array[] = []
    let length = 0
    while (length < this.config.chunkThreshold) {
      const next = await it.next()
      if (next.done) return this.putWhole(concat(head, length))
      head.push(next.value)
      length += next.value.byteLength
    }
    return this.putChunked({ [Symbol.asyncIterator]: () => it }, concat(head, length))
  }

  /**
   * Stores a local file. Small files are read whole; large ones are streamed through the
   * chunker, in a worker thread when one is idle. Fails `FAILED_PRECONDITION` when the file
   * changes while it is read.
   */
  async putFile(path: string): Promise<StoredObject> {
    // Small files are opened, stat'ed and read synchronously: from the page cache that takes
    // microseconds, while each async call waits for a slot in libuv's four-thread pool.
    const small = readIfSmall(path, this.config.chunkThreshold)
    if (small !== undefined) {
      if (small.byteLength >= this.config.chunkThreshold) return this.putChunked(emptyStream(), small)
      return this.putWhole(small)
    }
    const chunks: { id: ObjectId; size: number }[] = []
    const inWorker = this.config.pool?.tryRun(
      path,
      this.config.chunker,
      this.config.concurrency,
      async (bytes, id) => {
        chunks.push({ id, size: bytes.byteLength })
        this.stats.bytesIn += bytes.byteLength
        await this.ensure('object', id, bytes)
      },
    )
    if (inWorker === undefined) {
      const before = await stat(path)
      const stored = await this.putChunked(createReadStream(path, { highWaterMark: 1024 * 1024 }))
      const after = await stat(path)
      if (after.mtimeMs !== before.mtimeMs || after.size !== stored.size) throw changedWhileRead(path)
      return stored
    }
    const result = await inWorker
    if (result.changed) throw changedWhileRead(path)
    return this.putManifest(chunks, result.size)
  }

  /**
   * True when a previously stored file (its whole object, or its manifest) is in the blob store;
   * a confirmed one is remembered like an upload. Used before trusting a cached id.
   */
  async confirm(stored: StoredObject): Promise<boolean> {
    const key = blobKeyOf(stored.chunks === undefined ? 'object' : 'manifest', stored.id)
    if (this.present.has(key)) return true
    const info = await this.config.blobs.stat(key)
    if (info === undefined) return false
    this.present.set(key, Promise.resolve())
    this.stats.blobsReused++
    return true
  }

  /** Stores a JSON-serialized structure (a tree) whose id the caller computed. */
  async putRaw(kind: BlobKind, id: ObjectId, bytes: Uint8Array): Promise<void> {
    await this.ensure(kind, id, bytes)
  }

  private async putWhole(bytes: Uint8Array): Promise<StoredObject> {
    this.stats.bytesIn += bytes.byteLength
    const id = sha256Hex(bytes)
    await this.ensure('object', id, bytes)
    return { id, size: bytes.byteLength }
  }

  private async putChunked(rest: AsyncIterable<Uint8Array>, initial?: Uint8Array): Promise<StoredObject> {
    const chunks: { id: ObjectId; size: number }[] = []
    const pending: Promise<void>[] = []
    let size = 0
    let failure: { error: unknown } | undefined
    for await (const chunk of this.config.chunker.split(rest, initial)) {
      if (failure !== undefined) break
      const id = sha256Hex(chunk)
      chunks.push({ id, size: chunk.byteLength })
      size += chunk.byteLength
      this.stats.bytesIn += chunk.byteLength
      // Wait for an upload slot before reading on, so at most `concurrency` chunks sit in memory.
      const release = await this.uploads.acquire()
      pending.push(
        this.ensure('object', id, chunk, true)
          .catch((error: unknown) => {
            failure ??= { error }
          })
          .finally(release),
      )
    }
    await Promise.all(pending)
    if (failure !== undefined) throw failure.error
    return this.putManifest(chunks, size)
  }

  private async putManifest(chunks: { id: ObjectId; size: number }[], size: number): Promise<StoredObject> {
    const manifest = encodeManifest({ size, chunks })
    await this.ensure('manifest', manifest.id, manifest.bytes)
    return { id: manifest.id, size, chunks: chunks.length }
  }

  /** Uploads `bytes` under its key unless this writer saw it or the store already has it. */
  private ensure(kind: BlobKind, id: ObjectId, bytes: Uint8Array, holdsSlot = false): Promise<void> {
    const key = blobKeyOf(kind, id)
    let p = this.present.get(key)
    if (p !== undefined) {
      this.stats.blobsReused++
      return p
    }
    const work = async () => {
      const info = await this.config.blobs.stat(key)
      if (info !== undefined && info.size === bytes.byteLength) {
        this.unsynced?.add(key)
        this.stats.blobsReused++
        return
      }
      if (this.unsynced !== undefined) {
        await this.config.blobs.put(key, bytes, { durable: false })
        this.unsynced.add(key)
      } else await this.config.blobs.put(key, bytes)
      this.stats.blobsWritten++
      this.stats.bytesWritten += bytes.byteLength
    }
    p = holdsSlot ? work() : this.uploads.run(work)
    // A failed upload may be retried by a later call.
    p.catch(() => this.present.delete(key))
    this.present.set(key, p)
    return p
  }
}

function changedWhileRead(path: string): StrataError {
  return new StrataError(
    'FAILED_PRECONDITION',
    `${path} changed while it was being committed; commit it again`,
    {
      details: { path },
    },
  )
}

async function* emptyStream(): AsyncGenerator<Uint8Array> {}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0]
  return Buffer.concat(parts, length)
}

/**
 * The bytes of `path` when it is a regular file smaller than `threshold` (read synchronously;
 * tolerates the file growing meanwhile), or `undefined` for a larger file.
 */
function readIfSmall(path: string, threshold: number): Uint8Array | undefined {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (err) {
    throw new StrataError('NOT_FOUND', `cannot read ${path}: ${(err as Error).message}`, { cause: err })
  }
  try {
    const info = fstatSync(fd)
    if (!info.isFile()) throw new StrataError('INVALID_ARGUMENT', `${path} is not a regular file`)
    if (info.size >= threshold) return undefined
    let buf = Buffer.allocUnsafe(info.size + 1)
    let length = 0
    for (;;) {
      if (length === buf.byteLength) {
        const bigger = Buffer.allocUnsafe(buf.byteLength * 2)
        buf.copy(bigger, 0, 0, length)
        buf = bigger
      }
      const n = readSync(fd, buf, length, buf.byteLength - length, length)
      if (n === 0) break
      length += n
    }
    return buf.subarray(0, length)
  } finally {
    closeSync(fd)
  }
}
