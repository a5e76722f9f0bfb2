import { join } from 'node:path'
import { isBlobKey } from '../../core/blob-key.js'

/**
 * Where `FsBlobStore` keeps objects on disk.
 *
 * Object stores allow `a/b` and `a/b/c` side by side, but a file system cannot have a
 * file and a directory both named `a/b`. So directory names get a trailing `%` and every
 * `%` inside a segment is written as `%25`: `a/b` lives at `a%/b` and `a/b/c` at
 * `a%/b%/c`. A file name never ends in a lone `%` and a directory name always does, so
 * the two can never collide, and keys without `%` keep readable file names (and their
 * extensions, which DuckDB uses to pick a reader).
 *
 * Temporary files live in {@link FS_TEMP_DIR} under the root, a name that decodes to
 * no key, so listings never see them.
 */
export const FS_TEMP_DIR = '%tmp'

/** The on-disk name of one key segment used as a file name. */
export function encodeFileName(segment: string): string {
  return segment.replaceAll('%', '%25')
}

/** The on-disk name of one key segment used as a directory name. */
export function encodeDirName(segment: string): string {
  return `${encodeFileName(segment)}%`
}

/** The segment a file name encodes, or `undefined` for names this layout never writes. */
export function decodeFileName(name: string): string | undefined {
  if (/%(?!25)/.test(name)) return undefined
  return name.replaceAll('%25', '%')
}

/** The segment a directory name encodes, or `undefined` for names this layout never writes. */
export function decodeDirName(name: string): string | undefined {
  if (!name.endsWith('%')) return undefined
  return decodeFileName(name.slice(0, -1))
}

/** The absolute path of the file holding `key` (already validated) under `root` (absolute). */
export function keyToPath(root: string, key: string): string {
  const segments = key.split('/')
  const file = segments.pop() ?? ''
  return join(root, ...segments.map(encodeDirName), encodeFileName(file))
}

/**
 * The directory a listing of `prefix` starts in, as the key text it stands for (`a/b/`)
 * and its path, plus the part of `prefix` after its last `/` that names must start with.
 * `undefined` when no valid key can start with `prefix`.
 */
export function listingStart(
  root: string,
  prefix: string,
): { base: string; dir: string; rest: string } | undefined {
  const cut = prefix.lastIndexOf('/') + 1
  const base = prefix.slice(0, cut)
  const rest = prefix.slice(cut)
  if (base === '') return { base, dir: root, rest }
  // A key starting with `base` has `base` minus its trailing "/" as a valid key prefix.
  if (!isBlobKey(base.slice(0, -1))) return undefined
  const dirs = base.slice(0, -1).split('/').map(encodeDirName)
  return { base, dir: join(root, ...dirs), rest }
}
