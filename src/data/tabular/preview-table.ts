import { StrataError } from '../../core/errors.js'
import type { TableEngine } from '../../ports/index.js'
import { detectTableFormat, type TableFormat } from './table-format.js'
import { tableSource } from './table-source.js'

/** The first rows of a tabular file, as JSON can carry them. */
export interface TablePreview {
  format: TableFormat
  columns: { name: string; type: string }[]
  /** One array per row, in `columns` order: numbers, strings, booleans, null; integers beyond 2^53, dates and nested values as text. */
  rows: (string | number | boolean | null)[][]
}

/** The most rows a preview returns. */
export const PREVIEW_MAX_ROWS = 1000

function jsonCell(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value)
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Uint8Array) return `<${value.length} bytes>`
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
}

/**
 * Reads the first `limit` rows (default 50, at most {@link PREVIEW_MAX_ROWS}) of a local
 * tabular file (CSV, TSV, Parquet, JSON, JSON Lines) with the table engine. `name` is the path
 * shown in errors (the file's path in its dataset).
 */
export async function previewTable(
  engine: TableEngine,
  localPath: string,
  name: string,
  limit = 50,
): Promise<TablePreview> {
  const format = detectTableFormat(name)
  if (format === undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `"${name}" is not a table; a preview reads .csv, .tsv, .parquet, .json and .jsonl files (optionally .gz)`,
      { details: { path: name } },
    )
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > PREVIEW_MAX_ROWS) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `limit must be between 1 and ${PREVIEW_MAX_ROWS}, got ${limit}`,
      {
        details: { limit },
      },
    )
  }
  const result = await engine.query(`SELECT * FROM ${tableSource(localPath, format)} LIMIT ${limit}`)
  return {
    format,
    columns: result.columns.map((c) => ({ name: c.name, type: c.type })),
    rows: result.rows.map((row) => result.columns.map((c) => jsonCell(row[c.name]))),
  }
}
