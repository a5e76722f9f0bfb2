import { createHash } from 'node:crypto'
import { isStrataError, StrataError } from '../../core/errors.js'
import type { BlobStore } from '../../ports/index.js'
import { type ChunkManifest, decodeManifest } from './chunk-manifest.js'
import { type ChunkWorkerPool, sharedChunkWorkerPool } from './chunk-worker-pool.js'
import { DEFAULT_CHUNKER_CONFIG, GearChunker, type GearChunkerConfig } from './gear-chunker.js'
import { type BlobKind, blobKeyOf, type ObjectId, sha256Hex } from './object-id.js'
import { ObjectWriter } from './object-writer.js'
import { corruptObject, verifiedStream, verifyBytes } from './verified-read.js'

/** Options of {@link ObjectStore}. */
export interface ObjectStoreConfig {
  blobs: BlobStore
  /** Chunk sizes (default 256 KiB / 1 MiB / 4 MiB). */
  chunker?: GearChunkerConfig
  /** Files of at least this many bytes are chunked (default `chunker.maxSize`, 4 MiB). */
  chunkThreshold?: number
  /** Uploads in flight per writer (default 16). */
  concurrency?: number
  /** Chunks fetched ahead while reading a chunked file (default 4). */
  readAhead?: number
  /** Chunk large local files in worker threads (default true). */
  workers?: boolean
}

/** The outcome of re-hashing one stored file. */
export interface VerifyResult {
  ok: boolean
  /** Bytes re-hashed (chunks already verified through `seen` are not counted again). */
  bytes: number
  problems: string[]
}

/**
 * Content-addressed storage of files over a {@link BlobStore}. A small file is one blob keyed
 * by the SHA-256 of its bytes; a large one (≥ `chunkThreshold`) is split by content-defined
 * chunking into chunk blobs plus a manifest blob listing them, and is identified by the
 * manifest's hash. Identical content is stored once, across files, commits and datasets.
 *
 * Writing goes through an {@link ObjectWriter} per operation; reading streams, fetching a few
 * chunks ahead; {@link verify} re-hashes for `fsck`.
 *
 * @example
 * const objects = new ObjectStore({ blobs })
 * const { id } = await objects.writer().putFile('data/big.parquet')
 * for await (const piece of await objects.open(id)) process(piece)
 */
export class ObjectStore {
  readonly blobs: BlobStore
  readonly chunker: GearChunker
  readonly chunkThreshold: number
  private readonly concurrency: number
  private readonly readAhead: number
  private readonly pool: ChunkWorkerPool | undefined

  constructor(config: ObjectStoreConfig) {
    this.blobs = config.blobs
    this.chunker = new GearChunker(config.chunker ?? DEFAULT_CHUNKER_CONFIG)
    this.chunkThreshold = config.chunkThreshold ?? this.chunker.config.maxSize
    this.concurrency = config.concurrency ?? 16
    this.readAhead = config.readAhead ?? 4
    this.pool = config.workers === false ? undefined : sharedChunkWorkerPool()
  }

  /**
   * A writer for one operation (its dedup memory lasts as long as the writer). With
   * `deferDurability`, blobs become durable only at `writer.flush()`; see {@link ObjectWriter}.
   */
  writer(options: { deferDurability?: boolean } = {}): ObjectWriter {
    return new ObjectWriter({
      deferDurability: options.deferDurability === true,
      blobs: this.blobs,
      chunker: this.chunker,
      chunkThreshold: this.chunkThreshold,
      concurrency: this.concurrency,
      ...(this.pool === undefined ? {} : { pool: this.pool }),
    })
  }

  /**
   * Streams a stored file, verified: every byte is hashed as it streams and a mismatch with the
   * content address (corruption, truncation) fails the read with `DATA_LOSS` naming the object,
   * `where` (the dataset and path, for the message) and `fsck`. A whole object fails after its
   * last piece; a chunk is checked before it is yielded, and the chunks' total against the
   * manifest. `chunked` says whether `id` names a manifest (from the tree entry); when unknown,
   * a whole object is tried first.
   */
  async open(id: ObjectId, chunked?: boolean, where?: string): Promise<AsyncIterable<Uint8Array>> {
    if (chunked === false) return verifiedStream(await this.getBlob('object', id), 'object', id, where)
    if (chunked === undefined) {
      try {
        return verifiedStream(await this.getBlob('object', id), 'object', id, where)
      } catch (err) {
        if (!isStrataError(err, 'NOT_FOUND')) throw err
      }
    }
    const manifest = await this.readManifest(id, where)
    return this.readChunks(manifest, id, where)
  }

  /** The chunk list of a chunked file (verified against its id). */
  async readManifest(id: ObjectId, where?: string): Promise<ChunkManifest> {
    return decodeManifest(await this.readBlob('manifest', id, where), id)
  }

  /** A whole blob as bytes (trees and manifests are small), verified against its id. */
  async readBlob(kind: BlobKind, id: ObjectId, where?: string, size?: number): Promise<Buffer> {
    return verifyBytes(await collect(await this.getBlob(kind, id)), kind, id, where, size)
  }

  /** True when the blob exists. */
  async has(kind: BlobKind, id: ObjectId): Promise<boolean> {
    return (await this.blobs.stat(blobKeyOf(kind, id))) !== undefined
  }

  /**
   * Re-hashes a stored file and compares with its id (and, for a chunked file, each chunk
   * with its id and the sizes with the manifest). Chunk keys in `seen` are skipped and
   * verified ones are added, so shared chunks are hashed once per fsck.
   */
  async verify(id: ObjectId, chunked: boolean, size?: number, seen?: Set<string>): Promise<VerifyResult> {
    const problems: string[] = []
    if (!chunked) {
      const r = await this.verifyBlob('object', id, seen)
      if (r.problem) problems.push(r.problem)
      else if (size !== undefined && r.size !== size && r.size >= 0)
        problems.push(`object ${id} holds ${r.size} bytes, the tree says ${size}`)
      return { ok: problems.length === 0, bytes: r.hashed, problems }
    }
    let manifest: ChunkManifest
    let bytes = 0
    try {
      const raw = await collect(await this.getBlob('manifest', id))
      bytes += raw.byteLength
      if (sha256Hex(raw) !== id) problems.push(`manifest ${id} does not hash to its id`)
      manifest = decodeManifest(raw, id)
    } catch (err) {
      problems.push(isStrataError(err, 'NOT_FOUND') ? `manifest ${id} is missing` : (err as Error).message)
      return { ok: false, bytes, problems }
    }
    if (size !== undefined && manifest.size !== size) {
      problems.push(`manifest ${id} describes ${manifest.size} bytes, the tree says ${size}`)
    }
    for (const chunk of manifest.chunks) {
      const r = await this.verifyBlob('object', chunk.id, seen)
      bytes += r.hashed
      if (r.problem) problems.push(`${r.problem} (chunk of ${id})`)
      else if (r.size >= 0 && r.size !== chunk.size)
        problems.push(`chunk ${chunk.id} of ${id} holds ${r.size} bytes, the manifest says ${chunk.size}`)
    }
    return { ok: problems.length === 0, bytes, problems }
  }

  /** Re-hashes one blob; `size` is -1 when it was skipped as already verified. */
  async verifyBlob(
    kind: BlobKind,
    id: ObjectId,
    seen?: Set<string>,
  ): Promise<{ size: number; hashed: number; problem?: string }> {
    const key = blobKeyOf(kind, id)
    if (seen?.has(key)) return { size: -1, hashed: 0 }
    let stream: AsyncIterable<Uint8Array>
    try {
      stream = await this.blobs.get(key)
    } catch (err) {
      if (isStrataError(err, 'NOT_FOUND')) return { size: 0, hashed: 0, problem: `${kind} ${id} is missing` }
      throw err
    }
    const hash = createHash('sha256')
    let size = 0
    for await (const piece of stream) {
      hash.update(piece)
      size += piece.byteLength
    }
    const actual = hash.digest('hex')
    if (actual !== id)
      return { size, hashed: size, problem: `${kind} ${id} is corrupt: its bytes hash to ${actual}` }
    seen?.add(key)
    return { size, hashed: size }
  }

  private async getBlob(kind: BlobKind, id: ObjectId): Promise<AsyncIterable<Uint8Array>> {
    try {
      return await this.blobs.get(blobKeyOf(kind, id))
    } catch (err) {
      if (isStrataError(err, 'NOT_FOUND')) {
        throw new StrataError(
          'NOT_FOUND',
          `${kind} ${id} is missing from the blob store; run "strata data fsck"`,
          {
            cause: err,
            details: { kind, id },
          },
        )
      }
      throw err
    }
  }

  /** Yields the chunks in order, each verified, keeping up to `readAhead` fetches in flight. */
  private async *readChunks(
    manifest: ChunkManifest,
    id: ObjectId,
    where?: string,
  ): AsyncGenerator<Uint8Array> {
    const fetches: Promise<Buffer>[] = []
    let next = 0
    const fill = () => {
      while (next < manifest.chunks.length && fetches.length < this.readAhead) {
        const chunk = manifest.chunks[next++]!
        const place = `chunk ${next} of ${manifest.chunks.length} of ${id}${where === undefined ? '' : `, ${where}`}`
        const p = this.readBlob('object', chunk.id, place, chunk.size)
        p.catch(() => {}) // surfaced when awaited below
        fetches.push(p)
      }
    }
    fill()
    let total = 0
    while (fetches.length > 0) {
      const bytes = await fetches.shift()!
      fill()
      total += bytes.byteLength
      yield bytes
    }
    if (total !== manifest.size) {
      throw corruptObject(
        'manifest',
        id,
        `its chunks hold ${total} bytes, it describes ${manifest.size}`,
        where,
      )
    }
  }
}

/** Reads a whole stream into one buffer. */
export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  let length = 0
  for await (const piece of stream) {
    parts.push(piece)
    length += piece.byteLength
  }
  return Buffer.concat(parts, length)
}
