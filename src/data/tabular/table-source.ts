import { type FileHandle, open } from 'node:fs/promises'
import { StrataError, toStrataError } from '../../core/errors.js'
import { sqlString } from './sql-text.js'
import type { TableFormat } from './table-format.js'

/** Options for {@link tableSource}. */
export interface TableSourceOptions {
  /**
   * How the file is compressed. Default `auto`: DuckDB decides by the extension, which fails for
   * a content-addressed path without one — use {@link detectCompression} on such paths.
   */
  compression?: 'auto' | 'gzip' | 'none'
  /** CSV/TSV: read every column as VARCHAR (the raw text), skipping type detection. */
  allVarchar?: boolean
  /** CSV/TSV/JSON: detect types from every row instead of a sample (slower, never wrong). */
  fullSample?: boolean
}

/**
 * The DuckDB table function call that reads `path` as `format`, with the path safely quoted.
 *
 * CSV and TSV are read strictly so that a malformed file is an error, never silently skipped
 * or padded rows: the delimiter (`,` or tab), quote and escape (`"`) are fixed, the first line is
 * the header, `strict_mode` is on, `null_padding` and `ignore_errors` are off, and no line is
 * treated as a comment or skipped preamble. Empty fields (quoted or not) read as NULL. JSON is
 * read as one top-level array (`format='array'`), JSON Lines as one value per line.
 *
 * @example
 * tableSource("/data/it's.csv", 'csv')
 * // read_csv('/data/it''s.csv', delim=',', quote='"', escape='"', header=true, …)
 */
export function tableSource(path: string, format: TableFormat, options: TableSourceOptions = {}): string {
  const file = sqlString(path)
  // DuckDB spells "no compression" `uncompressed`; omitting the option lets it go by extension.
  const compression =
    options.compression === undefined || options.compression === 'auto'
      ? ''
      : `, compression=${options.compression === 'gzip' ? "'gzip'" : "'uncompressed'"}`
  const sample = options.fullSample === true ? ', sample_size=-1' : ''
  switch (format) {
    case 'csv':
    case 'tsv': {
      // A literal tab inside the quotes: DuckDB takes the delimiter byte as written.
      const delim = format === 'csv' ? "','" : "'\t'"
      const varchar = options.allVarchar === true ? ', all_varchar=true' : ''
      return (
        `read_csv(${file}, delim=${delim}, quote='"', escape='"', header=true, ` +
        `strict_mode=true, null_padding=false, ignore_errors=false, comment='', skip=0` +
        `${compression}${varchar}${sample})`
      )
    }
    case 'parquet':
      return `read_parquet(${file})`
    case 'json':
    case 'jsonl': {
      const layout = format === 'json' ? "'array'" : "'newline_delimited'"
      return `read_json(${file}, format=${layout}${compression}${sample})`
    }
  }
}

/**
 * The compression of a local file from its first bytes (`gzip` for the gzip magic number,
 * `none` otherwise), for paths whose name does not tell — content-addressed cache files.
 */
export async function detectCompression(path: string): Promise<'gzip' | 'none'> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StrataError('NOT_FOUND', `file "${path}" does not exist; pass the path of a local file`, {
        cause: err,
        details: { path },
      })
    }
    throw toStrataError(err, 'INTERNAL', `cannot open "${path}"`)
  }
  try {
    const head = new Uint8Array(2)
    const { bytesRead } = await handle.read(head, 0, 2, 0)
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b ? 'gzip' : 'none'
  } finally {
    await handle.close()
  }
}
