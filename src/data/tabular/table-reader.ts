import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { isStrataError } from '../../core/errors.js'
import type { TableEngine } from '../../ports/index.js'
import { firstInvalidJsonLine } from './json-lines-check.js'
import { isSampledTypeFailure, isSniffFailure, readError } from './read-error.js'
import type { TableFormat } from './table-format.js'
import { detectCompression, tableSource } from './table-source.js'

/** A column of a file as DuckDB reads it. */
export interface SourceColumn {
  name: string
  type: string
}

/** A file opened for reading: its table function call and columns. */
export interface OpenedTable {
  /** The table function call reading the file (see {@link tableSource}). */
  source: string
  columns: SourceColumn[]
  compression: 'gzip' | 'none'
}

/** Options for {@link readTable}. */
export interface ReadTableOptions {
  /** The name to show in errors instead of the local path. */
  file?: string
  /** CSV/TSV: read every column as text. */
  allVarchar?: boolean
}

/**
 * Opens `path` and runs `read` over it, translating failures into one error naming the file:
 * the gzip magic number picks the compression (paths may have no extension); when a type
 * DuckDB detected from a sample does not fit a later value, the whole read is retried with
 * types detected from every row; a CSV that DuckDB cannot even sniff is read again with the
 * header's column count fixed, so the error names the offending line; for JSON Lines the first
 * line that does not parse is found (DuckDB's own line numbers skip blank lines).
 */
export async function readTable<T>(
  engine: TableEngine,
  path: string,
  format: TableFormat,
  options: ReadTableOptions,
  read: (table: OpenedTable) => Promise<T>,
): Promise<T> {
  const file = options.file ?? path
  const compression = await detectCompression(path)
  const attempt = async (fullSample: boolean): Promise<T> => {
    const source = tableSource(path, format, {
      compression,
      fullSample,
      ...(options.allVarchar === true ? { allVarchar: true } : {}),
    })
    const { rows } = await engine.query(`DESCRIBE SELECT * FROM ${source}`)
    const columns = rows.map((row) => ({ name: String(row.column_name), type: String(row.column_type) }))
    return read({ source, columns, compression })
  }
  try {
    try {
      return await attempt(false)
    } catch (err) {
      if (format !== 'parquet' && isSampledTypeFailure(err)) return await attempt(true)
      throw err
    }
  } catch (err) {
    let cause = err
    if ((format === 'csv' || format === 'tsv') && isSniffFailure(err)) {
      cause = (await diagnoseCsv(engine, path, format, compression)) ?? err
    } else if (format === 'jsonl' && !isStrataError(err, 'NOT_FOUND')) {
      const bad = await firstInvalidJsonLine(path, compression === 'gzip')
      if (bad !== undefined)
        cause = Object.assign(new Error(`invalid JSON: ${bad.reason}`), { line: bad.line })
    }
    throw readError(cause, file, format, path)
  }
}

/**
 * Reads a CSV/TSV without sniffing (all text, the column count taken from the header line), to
 * get DuckDB's error for the first bad line. Returns that error, or undefined if none shows.
 * DuckDB's strict parser only says "invalid state" for a file mixing CRLF and LF line endings,
 * so that case is named instead.
 */
async function diagnoseCsv(
  engine: TableEngine,
  path: string,
  format: 'csv' | 'tsv',
  compression: 'gzip' | 'none',
): Promise<unknown> {
  const head = await inspectHead(path, format === 'csv' ? ',' : '\t', compression === 'gzip')
  if (head.mixedNewlines) {
    return new Error('the file mixes CRLF and LF line endings; convert it to one of them')
  }
  if (head.fields === 0) return undefined
  const columns = Array.from({ length: head.fields }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ')
  const source = tableSource(path, format, { compression }).replace(
    /\)$/,
    `, auto_detect=false, columns={${columns}})`,
  )
  try {
    await engine.query(`SELECT count(*) FROM ${source}`)
    return undefined
  } catch (err) {
    return err
  }
}

/**
 * Looks at the first MiB: the number of fields in the first record (quote-aware; the header
 * may span lines), and whether both CRLF and bare LF line endings occur.
 */
async function inspectHead(
  path: string,
  delimiter: string,
  gzip: boolean,
): Promise<{ fields: number; mixedNewlines: boolean }> {
  const file = createReadStream(path, gzip ? {} : { end: 1 << 20 })
  const stream = gzip ? file.pipe(createGunzip()) : file
  let delimiters = 0
  let seen = false
  let counting = true
  let inQuote = false
  let crlf = false
  let lf = false
  let previous = ''
  let read = 0
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (const char of chunk.toString('utf8')) {
        if (char === '\n') {
          if (previous === '\r') crlf = true
          else lf = true
        }
        previous = char
        if (!counting) continue
        if (char === '"') inQuote = !inQuote
        else if (!inQuote && char === '\n') {
          counting = false
          continue
        } else if (!inQuote && char === delimiter) delimiters++
        if (char !== '\r') seen = true
      }
      read += chunk.length
      if (read >= 1 << 20) break
    }
  } catch {
    // Unreadable (e.g. a broken gzip stream): nothing to add to DuckDB's own error.
  } finally {
    stream.destroy()
    file.destroy()
  }
  return { fields: seen ? delimiters + 1 : 0, mixedNewlines: crlf && lf }
}
