/** A column of a result: its name and the engine's SQL type name (e.g. `BIGINT`, `VARCHAR`). */
export interface ColumnInfo {
  name: string
  type: string
}

/** A row as a plain object. BIGINT/HUGEINT values arrive as `bigint` (so `count(*)` is a bigint); timestamps and dates as `Date`. */
export type Row = Record<string, unknown>

/** A whole query result held in memory. */
export interface QueryResult {
  columns: ColumnInfo[]
  rows: Row[]
}

/** A batch of rows in columnar form. */
export interface ColumnBatch {
  columns: ColumnInfo[]
  /** One array per column, in `columns` order, all of the same length. */
  values: unknown[][]
  rowCount: number
}

/** Options for writing Parquet. */
export interface ParquetWriteOptions {
  /** Compression codec; default `zstd`. */
  compression?: 'zstd' | 'snappy' | 'gzip' | 'uncompressed'
  /** Target rows per row group. */
  rowGroupSize?: number
}

/**
 * An analytical SQL engine over local files (Parquet, CSV, JSON).
 *
 * Contract (checked by `describeTableEngine`):
 * - `query` runs one statement; `params` bind to `$1, $2, …` positionally.
 * - SQL errors reject with `INVALID_ARGUMENT` naming the engine's message;
 *   a missing file rejects with `NOT_FOUND`.
 * - `streamRows`/`streamColumns` yield results in batches without materializing the
 *   whole result; breaking out of the loop releases the result.
 * - `writeParquet` writes atomically: the target path appears whole or not at all.
 * - Concurrent calls on one engine are safe (serialized or isolated).
 */
export interface TableEngine {
  readonly kind: string
  query(sql: string, params?: readonly unknown[]): Promise<QueryResult>
  streamRows(sql: string, params?: readonly unknown[]): AsyncIterable<Row[]>
  streamColumns(sql: string, params?: readonly unknown[]): AsyncIterable<ColumnBatch>
  /** Runs `sql` and writes its result to a Parquet file at `path`; resolves the row count. */
  writeParquet(sql: string, path: string, options?: ParquetWriteOptions): Promise<{ rows: number }>
  /** Engine version string, for `strata doctor`. */
  version(): Promise<string>
  close(): Promise<void>
}
