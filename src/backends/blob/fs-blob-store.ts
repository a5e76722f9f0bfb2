import { randomUUID } from 'node:crypto'
import { constants, lstatSync } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { lstat, mkdir, open, readdir, rename, rm, rmdir, unlink } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { assertBlobKey, compareUtf8, isBlobKey } from '../../core/blob-key.js'
import { StrataError } from '../../core/errors.js'
import type { BlobInfo, BlobPutOptions, BlobStore, BlobStoreCapabilities } from '../../ports/index.js'
import { BlobConfinement, symlinked } from './fs-blob-confine.js'
import { decodeDirName, decodeFileName, FS_TEMP_DIR, keyToPath, listingStart } from './fs-blob-layout.js'
import { fsyncDir, syncPathsUnder } from './fs-blob-sync.js'
import { KnownDirs, writeAndRenameSync } from './fs-blob-write.js'

/** Options of {@link FsBlobStore}. */
export interface FsBlobStoreConfig {
  /** Directory holding the objects; created on the first `put`. Relative paths resolve against the cwd. */
  root: string
  /**
   * Temporary files untouched for this long are removed by the first `put` of a store
   * instance: leftovers of a process killed mid-put. Default one hour, so a slow but
   * live put in another process (its file's mtime moves with every write) is never swept.
   */
  staleTempMs?: number
}

const DEFAULT_STALE_TEMP_MS = 60 * 60 * 1000
/** How often `put` retries when a concurrent `delete` removes the empty parent directory it just made. */
const MOVE_ATTEMPTS = 10
/**
 * Non-durable puts of at most this many bytes given as bytes are written with synchronous calls
 * (most dataset files are smaller); larger ones (chunks) are copied into the page cache by the
 * libuv pool, beside the thread that hashes. Measured: 64 KiB beat 16 MiB by 3–5%.
 */
const SYNC_WRITE_MAX = 64 * 1024

/**
 * A {@link BlobStore} on the local file system, for single-machine projects (`file:` URIs).
 *
 * `put` streams into a uniquely named file in `<root>/%tmp/`, fsyncs it, then renames it
 * into place (and fsyncs the directory), so readers and crashes see the old object or the
 * new one, never a torn one; leftover temporary files are invisible to every operation and
 * swept once stale (see {@link FsBlobStoreConfig.staleTempMs}). `put(key, body, { durable: false })`
 * skips both fsyncs (the object is still written whole before the rename, so it is never
 * torn); `sync(keys)` later fsyncs those files together and each of their directories once,
 * which is how a commit makes thousands of objects durable before its ref moves. `get` opens the file before
 * returning, so a reader keeps the object it started with even if the key is replaced or
 * deleted meanwhile. `localPath(key)` gives the file for DuckDB to read directly. Keys
 * map to paths as described in `fs-blob-layout.ts` (directories carry a trailing `%`).
 *
 * On case-insensitive file systems (macOS, Windows defaults) keys differing only in case
 * name the same file.
 *
 * @example
 * const blobs = new FsBlobStore({ root: '.strata/blobs' })
 * await blobs.put('datasets/flights/part-0.parquet', bytes)
 * blobs.localPath('datasets/flights/part-0.parquet') // '/abs/.strata/blobs/datasets%/flights%/part-0.parquet'
 */
export class FsBlobStore implements BlobStore {
  readonly kind = 'fs'
  readonly capabilities: BlobStoreCapabilities = { localPaths: true }
  /** The absolute root directory. */
  readonly root: string
  readonly #tempDir: string
  readonly #staleTempMs: number
  #ready: Promise<void> | undefined
  #closed = false
  /** Directories this instance made or saw, so `put` skips `mkdir` for them (a miss just retries). */
  readonly #knownDirs = new KnownDirs()
  readonly #confinement: BlobConfinement

  constructor(config: FsBlobStoreConfig) {
    if (typeof config.root !== 'string' || config.root === '') {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `FsBlobStore root must be a directory path, got ${config.root}`,
      )
    }
    this.root = resolve(config.root)
    this.#tempDir = join(this.root, FS_TEMP_DIR)
    this.#staleTempMs = config.staleTempMs ?? DEFAULT_STALE_TEMP_MS
    this.#confinement = new BlobConfinement(this.root)
  }

  async put(
    key: string,
    body: Uint8Array | AsyncIterable<Uint8Array>,
    options?: BlobPutOptions,
  ): Promise<BlobInfo> {
    this.#assertOpen()
    assertBlobKey(key)
    await this.#prepare()
    const durable = options?.durable !== false
    const target = keyToPath(this.root, key)
    const temp = join(this.#tempDir, `${randomUUID()}.tmp`)
    if (!durable && body instanceof Uint8Array && body.byteLength <= SYNC_WRITE_MAX) {
      try {
        writeAndRenameSync(temp, target, body, this.#knownDirs, MOVE_ATTEMPTS, isMissing)
      } catch (err) {
        throw this.#translate(err, key, 'put')
      }
      return { key, size: body.byteLength, modifiedAt: new Date() }
    }
    const handle = await open(temp, 'wx').catch((err: unknown) => {
      throw this.#translate(err, key, 'put')
    })
    let size = 0
    try {
      if (body instanceof Uint8Array) {
        await writeAll(handle, body)
        size = body.byteLength
      } else {
        for await (const chunk of body) {
          await writeAll(handle, chunk)
          size += chunk.byteLength
        }
      }
      if (durable) await handle.sync()
      await handle.close()
      this.#assertOpen()
      await this.#moveIntoPlace(temp, target, key, durable)
    } catch (err) {
      await handle.close().catch(() => {})
      await rm(temp, { force: true }).catch(() => {})
      throw this.#translate(err, key, 'put')
    }
    return { key, size, modifiedAt: new Date() }
  }

  /** fsyncs the files of `keys` and their directories (each once); see the port's `sync`. */
  async sync(keys: readonly string[]): Promise<void> {
    this.#assertOpen()
    for (const key of keys) assertBlobKey(key)
    try {
      await syncPathsUnder(
        this.root,
        keys.map((key) => keyToPath(this.root, key)),
      )
    } catch (err) {
      const path = (err as { path?: unknown }).path
      const key = keys.find((k) => keyToPath(this.root, k) === path)
      if (isMissing(err) && key !== undefined) throw notFound(key, this.root)
      throw this.#translate(err, key, 'sync')
    }
  }

  async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    this.#assertOpen()
    assertBlobKey(key)
    const path = keyToPath(this.root, key)
    this.#confinement.assertDirInside(path, key)
    let handle: FileHandle
    try {
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW)
    } catch (err) {
      if (isMissing(err)) throw notFound(key, this.root)
      if (systemErrorCode(err) === 'ELOOP') throw symlinked(key, this.root)
      throw this.#translate(err, key, 'get')
    }
    // The open handle pins this version of the file; the stream closes it when done or abandoned.
    return handle.createReadStream()
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    this.#assertOpen()
    assertBlobKey(key)
    const path = keyToPath(this.root, key)
    this.#confinement.assertDirInside(path, key)
    try {
      // Synchronous: a cached stat takes microseconds, an async one waits for a libuv pool slot.
      // lstat: a symbolic link is refused, never followed.
      const stats = lstatSync(path)
      if (stats.isSymbolicLink()) throw symlinked(key, this.root)
      return stats.isFile() ? { key, size: stats.size, modifiedAt: stats.mtime } : undefined
    } catch (err) {
      if (isMissing(err)) return undefined
      throw this.#translate(err, key, 'stat')
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    this.#assertOpen()
    const start = listingStart(this.root, prefix)
    if (start === undefined) return
    yield* this.#walk(start.dir, start.base, (segment) => segment.startsWith(start.rest))
  }

  async delete(key: string): Promise<void> {
    this.#assertOpen()
    assertBlobKey(key)
    const target = keyToPath(this.root, key)
    try {
      await unlink(target)
    } catch (err) {
      if (isMissing(err)) return
      throw this.#translate(err, key, 'delete')
    }
    // Drop directories the delete left empty; stops at the first non-empty one. A put racing
    // with this retries its rename (see #moveIntoPlace).
    for (let dir = dirname(target); dir.length > this.root.length; dir = dirname(dir)) {
      try {
        await rmdir(dir)
      } catch {
        break
      }
    }
  }

  /**
   * The absolute path of the file holding `key`, whether or not it exists yet; refused
   * (`PERMISSION_DENIED`) when the file or a directory on its path is a link out of the root.
   */
  localPath(key: string): string {
    assertBlobKey(key)
    const path = keyToPath(this.root, key)
    this.#confinement.assertInside(path, key)
    return path
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  /** Yields the objects under `dir` (which stands for keys starting with `base`) in UTF-8 byte order. */
  async *#walk(dir: string, base: string, accept: (segment: string) => boolean): AsyncGenerator<BlobInfo> {
    let entries: { sortKey: string; segment: string; path: string; isDir: boolean }[]
    try {
      const dirents = await readdir(dir, { withFileTypes: true })
      entries = []
      for (const dirent of dirents) {
        const isDir = dirent.isDirectory()
        if (!isDir && !dirent.isFile()) continue
        const segment = isDir ? decodeDirName(dirent.name) : decodeFileName(dirent.name)
        if (segment === undefined || !accept(segment) || !isBlobKey(base + segment)) continue
        // Every key below directory `s` starts with `s/`, so sorting it as `s/` merges files and
        // subtrees into one byte-ordered sequence ("a-b" < "a/b" < "a/b/c" < "ab").
        entries.push({
          sortKey: isDir ? `${segment}/` : segment,
          segment,
          path: join(dir, dirent.name),
          isDir,
        })
      }
    } catch (err) {
      if (isMissing(err)) return
      throw this.#translate(err, base, 'list')
    }
    entries.sort((a, b) => compareUtf8(a.sortKey, b.sortKey))
    for (const entry of entries) {
      const key = base + entry.segment
      if (entry.isDir) {
        yield* this.#walk(entry.path, `${key}/`, () => true)
        continue
      }
      try {
        const stats = await lstat(entry.path)
        if (stats.isFile()) yield { key, size: stats.size, modifiedAt: stats.mtime }
      } catch (err) {
        if (!isMissing(err)) throw this.#translate(err, key, 'list')
      }
    }
  }

  async #moveIntoPlace(temp: string, target: string, key: string, durable: boolean): Promise<void> {
    const parent = dirname(target)
    for (let attempt = 1; ; attempt++) {
      if (!this.#knownDirs.has(parent)) {
        await mkdir(parent, { recursive: true })
        this.#knownDirs.add(parent)
      }
      try {
        await rename(temp, target)
        break
      } catch (err) {
        this.#knownDirs.forget(parent)
        if (!isMissing(err) || attempt >= MOVE_ATTEMPTS) throw err
        // The parent vanished under a concurrent delete, or the temp file was swept as stale.
        const tempStillThere = await lstat(temp).then(
          () => true,
          () => false,
        )
        if (!tempStillThere) {
          throw new StrataError(
            'INTERNAL',
            `put of blob ${JSON.stringify(key)} lost its temporary file ${temp}; was it removed as stale by another process?`,
            { cause: err },
          )
        }
      }
    }
    if (durable) await fsyncDir(parent)
  }

  /** Creates the root and temp directories and sweeps stale temp files, once per instance. */
  #prepare(): Promise<void> {
    this.#ready ??= (async () => {
      await mkdir(this.#tempDir, { recursive: true })
      const cutoff = Date.now() - this.#staleTempMs
      for (const name of await readdir(this.#tempDir)) {
        const path = join(this.#tempDir, name)
        const stats = await lstat(path).catch(() => undefined)
        if (stats !== undefined && stats.mtimeMs < cutoff) await rm(path, { force: true, recursive: true })
      }
    })().catch((err: unknown) => {
      this.#ready = undefined
      throw this.#translate(err, undefined, 'prepare')
    })
    return this.#ready
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `the file blob store at ${this.root} is closed; open a new one`,
      )
    }
  }

  /** Node system errors become Strata errors; anything else (a failing body iterable) passes through. */
  #translate(err: unknown, key: string | undefined, operation: string): unknown {
    const code = systemErrorCode(err)
    if (code === undefined) return err
    const what =
      key === undefined ? `${operation} in ${this.root}` : `${operation} of blob ${JSON.stringify(key)}`
    const cause = { cause: err, details: { root: this.root, key, errno: code } }
    switch (code) {
      case 'ENAMETOOLONG':
        return new StrataError(
          'INVALID_ARGUMENT',
          `${what} failed: the key is too long for the file system (each segment must stay under 254 bytes)`,
          cause,
        )
      case 'EACCES':
      case 'EPERM':
      case 'EROFS':
        return new StrataError(
          'FAILED_PRECONDITION',
          `${what} failed: no permission to write under ${this.root} (${code}); make the directory writable or choose another root`,
          cause,
        )
      case 'ENOSPC':
      case 'EDQUOT':
        return new StrataError(
          'UNAVAILABLE',
          `${what} failed: the disk holding ${this.root} is full (${code})`,
          cause,
        )
      case 'ENOTDIR':
        return new StrataError(
          'FAILED_PRECONDITION',
          `${what} failed: ${this.root} or a directory under it is not a directory (${code})`,
          cause,
        )
      default:
        return new StrataError('INTERNAL', `${what} failed: ${(err as Error).message}`, cause)
    }
  }
}

function notFound(key: string, root: string): StrataError {
  return new StrataError(
    'NOT_FOUND',
    `blob ${JSON.stringify(key)} does not exist in the file blob store at ${root}`,
    {
      details: { key, root },
    },
  )
}

function systemErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const e = err as { code?: unknown; syscall?: unknown }
  return typeof e.code === 'string' && typeof e.syscall === 'string' ? e.code : undefined
}

function isMissing(err: unknown): boolean {
  const code = systemErrorCode(err)
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR'
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset)
    offset += bytesWritten
  }
}
