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
  put(key: string, body: Uint8Array | AsyncIterable<Uint8Array>): Promise<BlobInfo>
  get(key: string): Promise<AsyncIterable<Uint8Array>>
  stat(key: string): Promise<BlobInfo | undefined>
  list(prefix: string): AsyncIterable<BlobInfo>
  delete(key: string): Promise<void>
  /** Absolute local file path of `key` when `capabilities.localPaths`, else `undefined`. */
  localPath?(key: string): string | undefined
  close(): Promise<void>
}
