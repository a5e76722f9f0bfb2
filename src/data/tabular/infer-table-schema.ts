import type { TableEngine } from '../../ports/index.js'
import type { TableFormat } from './table-format.js'
import { readTable } from './table-reader.js'

/** A column of a tabular file as inferred by DuckDB. */
export interface TableColumn {
  name: string
  /** DuckDB's type name, e.g. `BIGINT`, `DOUBLE`, `VARCHAR`, `TIMESTAMP`, `STRUCT(a BIGINT)`. */
  type: string
  /** True when at least one row holds a null in this column. */
  nullable: boolean
}

/** The inferred schema of one tabular file, stored per file in a commit's tree. */
export interface TableSchema {
  format: TableFormat
  rows: number
  columns: TableColumn[]
}

/** Options for {@link inferTableSchema}. */
export interface InferTableSchemaOptions {
  /** The name to show in errors instead of the local path (e.g. the path in the dataset). */
  file?: string
}

/**
 * Infers the schema of a local tabular file with DuckDB in one full pass: column names and
 * types, the row count, and which columns hold nulls. Every value is parsed, so a file that is
 * only partly readable is rejected rather than described. CSV/TSV types are detected from a
 * sample first and from every row when a later value does not fit the sampled type.
 *
 * Rejects with INVALID_ARGUMENT when the file is malformed (ragged or badly quoted CSV,
 * truncated or corrupt Parquet, invalid JSON); the message names the file, the format,
 * DuckDB's reason and, when DuckDB gives it, the line (also in `details.line`). A missing file
 * rejects with NOT_FOUND.
 *
 * @example
 * const schema = await inferTableSchema(engine, '/tmp/flights.parquet', 'parquet')
 * // { format: 'parquet', rows: 1000, columns: [{ name: 'carrier', type: 'VARCHAR', nullable: false }, …] }
 */
export async function inferTableSchema(
  engine: TableEngine,
  localPath: string,
  format: TableFormat,
  options: InferTableSchemaOptions = {},
): Promise<TableSchema> {
  return readTable(engine, localPath, format, options, async ({ source, columns }) => {
    const names = columns.map((_, i) => `c${i}`)
    const counts = names.map((name, i) => `count(${name}) AS n${i}`)
    const alias = names.length > 0 ? ` AS t(${names.join(', ')})` : ''
    const { rows } = await engine.query(
      `SELECT count(*) AS total${counts.map((c) => `, ${c}`).join('')} FROM ${source}${alias}`,
    )
    const stats = rows[0] ?? {}
    const total = Number(stats.total ?? 0)
    return {
      format,
      rows: total,
      columns: columns.map((column, i) => ({
        name: column.name,
        type: column.type,
        nullable: Number(stats[`n${i}`] ?? 0) < total,
      })),
    }
  })
}
