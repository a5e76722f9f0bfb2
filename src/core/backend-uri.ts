import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { StrataError } from './errors.js'

/** A backend URI split into its scheme and the rest. */
export interface BackendUri {
  /** Lower-case scheme without the colon, e.g. `sqlite`, `postgres`, `s3`. */
  scheme: string
  /** The URI as written. */
  raw: string
}

/**
 * Splits `scheme:rest`. Fails with `INVALID_ARGUMENT` naming the setting when there is no scheme.
 */
export function parseBackendUri(setting: string, value: string): BackendUri {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value)
  if (!match?.[1]) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${setting} = "${value}" is not a URI; expected a scheme such as "sqlite:.strata/meta.db", "postgres://host/db", "file:.strata/blobs" or "s3://bucket/prefix"`,
    )
  }
  return { scheme: match[1].toLowerCase(), raw: value }
}

/**
 * The local path of a path-style URI (`sqlite:rel/path`, `file:/abs`, `file:///abs`, `duckdb:x`),
 * resolved against `root`. Returns `':memory:'` for an empty path or `:memory:`.
 */
export function uriLocalPath(uri: BackendUri, root: string): string {
  const rest = uri.raw.slice(uri.scheme.length + 1)
  if (rest === '' || rest === ':memory:') return ':memory:'
  if (rest.startsWith('//')) return fileURLToPath(`file:${rest}`)
  return isAbsolute(rest) ? rest : resolve(root, rest)
}

/** The URI with any password replaced by `***`, for messages and `strata doctor`. */
export function redactUri(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@')
}
