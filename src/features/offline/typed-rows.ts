import type { Row, TableEngine } from '../../ports/index.js'
import { literal } from '../definitions/index.js'

/**
 * Converts a row from DuckDB to the typed form training sets and online results share:
 * integers as numbers (a `bigint` beyond ±2^53 stays a `bigint`), timestamps as `Date`s.
 */
export function toTypedRow(row: Row): Row {
  for (const [k, v] of Object.entries(row)) {
    if (
      typeof v === 'bigint' &&
      v <= BigInt(Number.MAX_SAFE_INTEGER) &&
      v >= BigInt(Number.MIN_SAFE_INTEGER)
    ) {
      row[k] = Number(v)
    }
  }
  return row
}

/** Streams a Parquet file's rows in file order, typed as {@link toTypedRow} describes. */
export async function* readParquetRows(engine: TableEngine, path: string): AsyncIterable<Row[]> {
  for await (const batch of engine.streamRows(`SELECT * FROM read_parquet(${literal(path)})`)) {
    yield batch.map(toTypedRow)
  }
}

/** Reads a whole Parquet file's rows into memory (see {@link readParquetRows}). */
export async function readAllParquetRows(engine: TableEngine, path: string): Promise<Row[]> {
  const out: Row[] = []
  for await (const batch of readParquetRows(engine, path)) out.push(...batch)
  return out
}
