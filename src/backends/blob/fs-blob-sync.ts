import type { FileHandle } from 'node:fs/promises'
import { open } from 'node:fs/promises'
import { dirname } from 'node:path'

/** fsyncs in flight during a batched sync; libuv runs four at a time by default, the rest queue cheaply. */
const SYNC_CONCURRENCY = 32

/**
 * Makes the files at `paths` durable, then every directory from their parents up to `root`
 * (each directory once, however many files it holds), so both the bytes and the names
 * survive a power failure. Rejects with the first error of a file (an `ENOENT` when one is
 * missing); directories that cannot be fsynced are skipped as in {@link fsyncDir}.
 */
export async function syncPathsUnder(root: string, paths: readonly string[]): Promise<void> {
  await forEachLimit(paths, SYNC_CONCURRENCY, fsyncFile)
  const dirs = new Set<string>()
  for (const path of paths) {
    for (let dir = dirname(path); dir.length >= root.length && !dirs.has(dir); dir = dirname(dir)) {
      dirs.add(dir)
      if (dir === root) break
    }
  }
  await forEachLimit([...dirs], SYNC_CONCURRENCY, fsyncDir)
}

/** fsyncs an existing file; rejects when it is missing or the file system reports an error. */
export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close().catch(() => {})
  }
}

/** Makes a rename durable; file systems that cannot fsync a directory are skipped. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch {
    // Windows and some network file systems refuse; the rename itself is still atomic.
  } finally {
    await handle?.close().catch(() => {})
  }
}

/** Runs `fn` over `items`, at most `limit` at once; rejects with the first error once all started ones settle. */
async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  let failed: { error: unknown } | undefined
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      try {
        await fn(items[next++] as T)
      } catch (error) {
        failed ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failed !== undefined) throw failed.error
}
