import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

/** Directories remembered before the cache starts over (it only saves `mkdir` calls). */
const MAX_KNOWN_DIRS = 10_000

/**
 * Parent directories an `FsBlobStore` made or saw, so a put skips `mkdir` for them. A stale
 * entry (a `delete` removed the directory) only costs one failed rename, after which the
 * caller {@link forget}s it and makes the directory again.
 */
export class KnownDirs {
  readonly #dirs = new Set<string>()

  has(dir: string): boolean {
    return this.#dirs.has(dir)
  }

  add(dir: string): void {
    if (this.#dirs.size >= MAX_KNOWN_DIRS) this.#dirs.clear()
    this.#dirs.add(dir)
  }

  forget(dir: string): void {
    this.#dirs.delete(dir)
  }
}

/**
 * Writes `body` to the new file `temp` and renames it to `target` with synchronous calls and
 * no fsync (the caller syncs later): from the page cache each call takes microseconds, while
 * an async one waits for a slot in libuv's four-thread pool. Retries the rename up to
 * `attempts` times when a concurrent delete removed the parent; removes `temp` on failure.
 */
export function writeAndRenameSync(
  temp: string,
  target: string,
  body: Uint8Array,
  dirs: KnownDirs,
  attempts: number,
  isMissing: (err: unknown) => boolean,
): void {
  const parent = dirname(target)
  try {
    const fd = openSync(temp, 'wx')
    try {
      for (let offset = 0; offset < body.byteLength; ) offset += writeSync(fd, body, offset)
    } finally {
      closeSync(fd)
    }
    for (let attempt = 1; ; attempt++) {
      if (!dirs.has(parent)) {
        mkdirSync(parent, { recursive: true })
        dirs.add(parent)
      }
      try {
        renameSync(temp, target)
        return
      } catch (err) {
        dirs.forget(parent)
        if (!isMissing(err) || attempt >= attempts) throw err
      }
    }
  } catch (err) {
    rmSync(temp, { force: true })
    throw err
  }
}
