import { assertBlobKey, compareUtf8 } from '../../core/blob-key.js'
import { StrataError } from '../../core/errors.js'
import type { BlobInfo, BlobPutOptions, BlobStore, BlobStoreCapabilities } from '../../ports/index.js'

interface StoredBlob {
  /** Owned by the store: copied on the way in and out, never mutated. */
  bytes: Uint8Array
  modifiedAt: Date
}

/** Size of the chunks `get` yields, so consumers see the same streaming shape as other stores. */
const CHUNK_SIZE = 64 * 1024

/**
 * A {@link BlobStore} held in process memory: tests, demos and `memory:` projects.
 * A real implementation that passes `describeBlobStore`: bytes are copied on `put`
 * and on `get`, a streamed `put` becomes visible only once its body has ended, and a
 * `get` in progress keeps reading the object it started with when the key is replaced.
 *
 * @example
 * const blobs = new MemoryBlobStore()
 * await blobs.put('notes/hello.txt', new TextEncoder().encode('hello'))
 */
export class MemoryBlobStore implements BlobStore {
  readonly kind = 'memory'
  readonly capabilities: BlobStoreCapabilities = { localPaths: false }
  readonly #blobs = new Map<string, StoredBlob>()
  #closed = false

  /** `options.durable` changes nothing here: there is nothing to flush. */
  async put(
    key: string,
    body: Uint8Array | AsyncIterable<Uint8Array>,
    _options?: BlobPutOptions,
  ): Promise<BlobInfo> {
    this.#assertOpen()
    assertBlobKey(key)
    let bytes: Uint8Array
    if (body instanceof Uint8Array) {
      bytes = body.slice()
    } else {
      const chunks: Uint8Array[] = []
      for await (const chunk of body) chunks.push(chunk.slice())
      this.#assertOpen()
      bytes = Buffer.concat(chunks)
    }
    const modifiedAt = new Date()
    this.#blobs.set(key, { bytes, modifiedAt })
    return { key, size: bytes.byteLength, modifiedAt }
  }

  async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    this.#assertOpen()
    assertBlobKey(key)
    const blob = this.#blobs.get(key)
    if (blob === undefined) throw notFound(key)
    return chunksOf(blob.bytes)
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    this.#assertOpen()
    assertBlobKey(key)
    const blob = this.#blobs.get(key)
    return blob === undefined ? undefined : { key, size: blob.bytes.byteLength, modifiedAt: blob.modifiedAt }
  }

  /** Nothing to flush in memory; checks the keys exist, as the port requires. */
  async sync(keys: readonly string[]): Promise<void> {
    this.#assertOpen()
    for (const key of keys) assertBlobKey(key)
    for (const key of keys) if (!this.#blobs.has(key)) throw notFound(key)
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    this.#assertOpen()
    const keys = [...this.#blobs.keys()].filter((key) => key.startsWith(prefix)).sort(compareUtf8)
    for (const key of keys) {
      const blob = this.#blobs.get(key)
      // Deleted while the caller was iterating: a listing is not a snapshot, skip it.
      if (blob !== undefined) yield { key, size: blob.bytes.byteLength, modifiedAt: blob.modifiedAt }
    }
  }

  async delete(key: string): Promise<void> {
    this.#assertOpen()
    assertBlobKey(key)
    this.#blobs.delete(key)
  }

  /** Always `undefined`: memory blobs have no file path. */
  localPath(key: string): string | undefined {
    assertBlobKey(key)
    return undefined
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#blobs.clear()
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        'the memory blob store is closed; open a new MemoryBlobStore',
      )
    }
  }
}

function notFound(key: string): StrataError {
  return new StrataError('NOT_FOUND', `blob ${JSON.stringify(key)} does not exist in the memory blob store`, {
    details: { key },
  })
}

async function* chunksOf(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += CHUNK_SIZE) {
    yield bytes.slice(offset, offset + CHUNK_SIZE)
  }
}
