import { StrataError } from '../../core/errors.js'

const PATH_RULES =
  'a dataset path is "/"-separated and relative, e.g. "raw/2024/flights.csv", without leading or trailing "/", empty, "." or ".." segments or control characters'

const CONTROL = /[\p{Cc}\p{Cs}]/u

/**
 * Validates a path inside a dataset and returns it. With `allowRoot`, `''` (the root) is
 * accepted for directory operations; a trailing `/` is tolerated there too.
 */
export function normalizeDataPath(path: string, options: { allowRoot?: boolean } = {}): string {
  if (typeof path !== 'string') {
    throw new StrataError('INVALID_ARGUMENT', `dataset path ${String(path)} is not a string; ${PATH_RULES}`)
  }
  let p = path
  if (options.allowRoot && p.endsWith('/')) p = p.slice(0, -1)
  if (p === '') {
    if (options.allowRoot) return ''
    throw new StrataError('INVALID_ARGUMENT', `dataset path "" is empty; ${PATH_RULES}`)
  }
  const problem = p.startsWith('/')
    ? 'it starts with "/"'
    : p.endsWith('/')
      ? 'it ends with "/"'
      : CONTROL.test(p)
        ? 'it contains a control character'
        : p.split('/').some((s) => s === '' || s === '.' || s === '..')
          ? 'it has an empty, "." or ".." segment'
          : undefined
  if (problem !== undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `dataset path ${JSON.stringify(path)} is invalid: ${problem}; ${PATH_RULES}`,
      {
        details: { path },
      },
    )
  }
  return p
}

/** `dir/name`, or `name` at the root. */
export function joinDataPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`
}

/** True when `path` is `prefix` itself or lies under it (`''` contains everything). */
export function isUnder(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`)
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  parquet: 'application/vnd.apache.parquet',
  pq: 'application/vnd.apache.parquet',
  json: 'application/json',
  jsonl: 'application/x-ndjson',
  ndjson: 'application/x-ndjson',
  txt: 'text/plain',
  md: 'text/markdown',
  html: 'text/html',
  xml: 'application/xml',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
  zst: 'application/zstd',
  onnx: 'application/onnx',
  arrow: 'application/vnd.apache.arrow.file',
  avro: 'application/avro',
  npy: 'application/x-npy',
}

/** The media type of a file, from its extension; `application/octet-stream` when unknown. */
export function contentTypeOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1)
  const dot = name.lastIndexOf('.')
  if (dot <= 0) return 'application/octet-stream'
  return CONTENT_TYPES[name.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream'
}
