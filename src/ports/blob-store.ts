/** What a blob store knows about one stored object. */
export interface BlobInfo {
  /** The object's key, as given to `put`. */
  key: string
  /** Size in bytes. */
  size: number
  /** Last modification time, when the backend reports one. */
  modifiedAt?: Date
}

/** Optional abilities of a blob store; conformance suites branch on these. */
export interface BlobStoreCapabilities {
  /** The store has a local path per object that other processes (DuckDB) can read directly. */
  localPaths: boolean
}

/** Options of {@link BlobStore.put}. */
export interface BlobPutOptions {
  /**
   * `false` lets a store that implements {@link BlobStore.sync} skip making this object
   * durable now: it is visible (and atomic) as soon as `put` resolves, but a power failure
   * or OS crash before `sync` covers its key may lose it (or, on some file systems, leave it
   * truncated to zero bytes). A process crash (SIGKILL) loses nothing. Stores without `sync`
   * ignore the option: their puts are always durable. Default `true`.
   */
  durable?: boolean
}

/**
 * Byte storage for dataset objects, artifacts and logs.
 *
 * Contract (checked by `describeBlobStore`):
 * - Keys are non-empty `/`-separated paths: no leading, trailing or doubled `/`, no `.` or `..`
 *   segments, no control characters or lone surrogates (see `assertBlobKey`); any other key is
 *   rejected with `INVALID_ARGUMENT`.
 * - `put` is atomic: readers never observe a partial object, and a crash mid-put leaves
 *   either the old object or the new one, never a torn one, and nothing later puts trip over.
 * - `put` of an existing key replaces it.
 * - `put` resolves once the object is durable, unless `{ durable: false }` was passed to a
 *   store with `sync`; then the object becomes durable when `sync` covers it.
 * - `get`/`stat` of a missing key: `get` rejects with `NOT_FOUND`, `stat` resolves `undefined`.
 * - `get` streams; it never loads the whole object into memory.
 * - `list(prefix)` yields every key starting with `prefix`, in lexicographic (byte) order.
 * - `delete` is idempotent: deleting a missing key succeeds.
 * - Lost connections reject with `UNAVAILABLE`; calls after `close` reject with `FAILED_PRECONDITION`.
 */
export interface BlobStore {
  /** Backend name, e.g. `fs`, `s3`, `memory`. */
  readonly kind: string
  readonly capabilities: BlobStoreCapabilities
  put(key: string, body: Uint8Array | AsyncIterable<Uint8Array>, options?: BlobPutOptions): Promise<BlobInfo>
  get(key: string): Promise<AsyncIterable<Uint8Array>>
  stat(key: string): Promise<BlobInfo | undefined>
  list(prefix: string): AsyncIterable<BlobInfo>
  delete(key: string): Promise<void>
  /**
   * Optional batched durability: resolves once every object in `keys` (put with
   * `{ durable: false }`, or already present) survives a power failure, including the
   * directory entries naming them. Rejects `NOT_FOUND` if a key is missing, `INVALID_ARGUMENT`
   * for an invalid key. Stores whose puts are always durable leave it out.
   */
  sync?(keys: readonly string[]): Promise<void>
  /** Absolute local file path of `key` when `capabilities.localPaths`, else `undefined`. */
  localPath?(key: string): string | undefined
  close(): Promise<void>
}
