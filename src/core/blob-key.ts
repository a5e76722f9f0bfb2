import { StrataError } from './errors.js'

/** The rules a blob key must follow, in one line, for error messages. */
export const BLOB_KEY_RULES =
  'a blob key is a non-empty "/"-separated path of printable characters, such as "datasets/flights/part-0.parquet", ' +
  'with no leading or trailing "/", no empty, "." or ".." segments and no control characters'

// Control characters (C0, DEL, C1) and lone UTF-16 surrogates, which have no UTF-8 form.
const NON_PRINTABLE = /[\p{Cc}\p{Cs}]/u

/**
 * Why `key` is not a valid blob key, or `undefined` when it is.
 * `.` and empty segments are refused alongside `..` because a file system would
 * silently alias them (`a/./b` and `a//b` are `a/b` there) while S3 would not.
 */
export function blobKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return `it is a ${key === null ? 'null' : typeof key}, not a string`
  if (key === '') return 'it is empty'
  if (key.startsWith('/')) return 'it starts with "/"'
  if (key.endsWith('/')) return 'it ends with "/"'
  const bad = NON_PRINTABLE.exec(key)
  if (bad !== null) {
    const code = bad[0].codePointAt(0) ?? 0
    return `it contains the non-printable character U+${code.toString(16).toUpperCase().padStart(4, '0')}`
  }
  for (const segment of key.split('/')) {
    if (segment === '') return 'it has an empty segment ("//")'
    if (segment === '.' || segment === '..') return `it has a "${segment}" segment`
  }
  return undefined
}

/** True when `key` is a valid blob key (see {@link assertBlobKey}). */
export function isBlobKey(key: unknown): key is string {
  return blobKeyProblem(key) === undefined
}

/**
 * Throws `INVALID_ARGUMENT` unless `key` is a valid blob key: a non-empty `/`-separated
 * path of printable characters without a leading or trailing `/` and without empty,
 * `.` or `..` segments. Every `BlobStore` implementation calls this first, so all of
 * them accept and refuse exactly the same keys.
 *
 * @example
 * assertBlobKey('datasets/flights/part-0.parquet') // ok
 * assertBlobKey('../etc/passwd') // throws StrataError INVALID_ARGUMENT
 */
export function assertBlobKey(key: unknown): asserts key is string {
  const problem = blobKeyProblem(key)
  if (problem === undefined) return
  const shown = typeof key === 'string' ? JSON.stringify(key) : String(key)
  throw new StrataError('INVALID_ARGUMENT', `invalid blob key ${shown}: ${problem}; ${BLOB_KEY_RULES}`, {
    details: { key, rule: problem },
  })
}

/**
 * Compares two strings by their UTF-8 bytes, the order `BlobStore.list` promises.
 * Plain `<` compares UTF-16 code units, which sorts characters above U+FFFF (emoji)
 * before U+E000–U+FFFF; UTF-8 byte order equals code point order.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) ?? 0
    const y = b.codePointAt(i) ?? 0
    if (x !== y) return x < y ? -1 : 1
    if (x > 0xffff) i++
  }
  return a.length - b.length
}

/**
 * True when some valid blob key starts with `prefix`, so a listing of it can be non-empty.
 * A valid key `K = prefix + rest` exists exactly when `prefix + "x"` is itself valid.
 */
export function canPrefixBlobKey(prefix: string): boolean {
  return typeof prefix === 'string' && isBlobKey(`${prefix}x`)
}
