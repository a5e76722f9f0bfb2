import { lstatSync, realpathSync } from 'node:fs'
import { dirname, sep } from 'node:path'
import { StrataError } from '../../core/errors.js'
import { KnownDirs } from './fs-blob-write.js'

/**
 * Keeps reads of an `FsBlobStore` inside its root: a key's file must not be a symbolic link,
 * and its directories must resolve to where the key says (no link in between leads out).
 * Directories are checked once and remembered; files are opened with `O_NOFOLLOW` by the
 * store, and checked here where a path is handed out (`localPath`) or stat'ed.
 */
export class BlobConfinement {
  readonly #root: string
  #realRoot: string | undefined
  readonly #checked = new KnownDirs()

  constructor(root: string) {
    this.#root = root
  }

  /** Throws `PERMISSION_DENIED` when the directory of `path` (under the root) resolves elsewhere. */
  assertDirInside(path: string, key: string): void {
    const dir = dirname(path)
    if (this.#checked.has(dir)) return
    let real: string
    try {
      real = realpathSync(dir)
      this.#realRoot ??= realpathSync(this.#root)
    } catch {
      return // not there (yet): nothing to follow
    }
    const expected = this.#realRoot + dir.slice(this.#root.length)
    if (real !== expected) throw outside(key, this.#root, real)
    this.#checked.add(dir)
  }

  /** {@link assertDirInside}, and the file itself, if present, must not be a symbolic link. */
  assertInside(path: string, key: string): void {
    this.assertDirInside(path, key)
    const stats = lstatSync(path, { throwIfNoEntry: false })
    if (stats?.isSymbolicLink() === true) throw symlinked(key, this.#root)
  }
}

/** The error of a key whose file is a symbolic link (`open` with `O_NOFOLLOW` says ELOOP). */
export function symlinked(key: string, root: string): StrataError {
  return new StrataError(
    'PERMISSION_DENIED',
    `blob ${JSON.stringify(key)} in ${root} is a symbolic link; the blob store never follows links (remove it, or put the object's bytes there)`,
    { details: { key, root } },
  )
}

function outside(key: string, root: string, real: string): StrataError {
  return new StrataError(
    'PERMISSION_DENIED',
    `blob ${JSON.stringify(key)}: a directory on its path under ${root} is a symbolic link to ${real.split(sep).slice(0, 6).join(sep)}; the blob store never follows links out of its root`,
    { details: { key, root } },
  )
}
