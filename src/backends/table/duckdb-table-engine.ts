import { randomUUID } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { type DuckDBDataChunk, DuckDBInstance, quotedString } from '@duckdb/node-api'
import { StrataError } from '../../core/errors.js'
import type {
  ColumnBatch,
  ColumnInfo,
  ParquetWriteOptions,
  QueryResult,
  Row,
  TableEngine,
} from '../../ports/index.js'
import { DuckDbConnectionPool } from './duckdb-connection-pool.js'
import { translateDuckDbError } from './duckdb-errors.js'
import { chunkColumns, chunkRows, columnInfos, toDuckDbParams } from './duckdb-values.js'

/** Options for {@link DuckDbTableEngine.open}. */
export interface DuckDbTableEngineConfig {
  /** Database file; default `:memory:` (the engine then only reads and writes files). */
  path?: string
  /** DuckDB `memory_limit`, e.g. `'2GB'`; default DuckDB's (80% of RAM). */
  memoryLimit?: string
  /** DuckDB worker threads; default the number of cores. */
  threads?: number
  /** Where DuckDB spills when a query exceeds the memory limit; default next to the database. */
  tempDirectory?: string
}

const COMPRESSIONS = ['zstd', 'snappy', 'gzip', 'uncompressed'] as const
/** Idle connections kept for reuse; more are opened on demand for concurrent calls. */
const MAX_IDLE_CONNECTIONS = 4

/**
 * The {@link TableEngine} on embedded DuckDB (`@duckdb/node-api`): SQL over Parquet, CSV and
 * JSON files (`read_parquet`, `read_csv`, `read_json`, or a quoted path in `FROM`).
 *
 * Values arrive as plain JS, by SQL type:
 * - BOOLEAN → boolean; VARCHAR, ENUM, UUID → string; NULL (any type) → null
 * - TINYINT, SMALLINT, INTEGER, their unsigned forms, FLOAT, DOUBLE → number
 * - BIGINT, UBIGINT, HUGEINT, UHUGEINT → bigint, always (so `count(*)` is a bigint; cast to
 *   INTEGER or DOUBLE in SQL for a number)
 * - DECIMAL → number (a double; cast to VARCHAR for exact digits)
 * - TIMESTAMP, TIMESTAMPTZ, TIMESTAMP_S/MS/NS, DATE → Date (a TIMESTAMP is read as UTC;
 *   microseconds and nanoseconds are truncated to milliseconds; an infinite or out-of-range
 *   value rejects with INVALID_ARGUMENT)
 * - TIME → bigint microseconds; INTERVAL → `{ months, days, micros }`; BLOB → Uint8Array
 * - LIST, ARRAY → arrays; STRUCT → objects; MAP → `{ key, value }[]`
 *
 * Parameters bind positionally to `$1, $2, …` with the inverse mapping (`Date` binds as a
 * TIMESTAMP in UTC). Each call leases its own connection from a small pool, so calls may run
 * concurrently. The session time zone is UTC whatever the machine's `TZ`, so a naive timestamp
 * (in SQL, CSV or JSON) means UTC and casts between TIMESTAMP and TIMESTAMPTZ do not depend on
 * where the process runs. Session state (`SET`, temporary tables) is per connection and does not carry
 * from one call to the next — use persistent tables or pass values as parameters.
 *
 * @example
 * const engine = await DuckDbTableEngine.open({ memoryLimit: '2GB' })
 * const { rows } = await engine.query('select count(*) as n from read_parquet($1)', ['data/*.parquet'])
 * await engine.writeParquet("select * from read_csv('in.csv')", 'out/part-0.parquet')
 * await engine.close()
 */
export class DuckDbTableEngine implements TableEngine {
  readonly kind = 'duckdb'
  private closed = false

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly pool: DuckDbConnectionPool,
  ) {}

  /** Opens (or creates) the database; rejects with INVALID_ARGUMENT for a bad setting. */
  static async open(config: DuckDbTableEngineConfig = {}): Promise<DuckDbTableEngine> {
    const options: Record<string, string> = {}
    if (config.memoryLimit !== undefined) options.memory_limit = config.memoryLimit
    if (config.threads !== undefined) {
      if (!Number.isInteger(config.threads) || config.threads < 1) {
        throw new StrataError('INVALID_ARGUMENT', `threads is ${config.threads}; use a positive integer`)
      }
      options.threads = String(config.threads)
    }
    if (config.tempDirectory !== undefined) options.temp_directory = config.tempDirectory
    const path = config.path ?? ':memory:'
    let instance: DuckDBInstance
    try {
      instance = await DuckDBInstance.create(path, options)
    } catch (err) {
      // DuckDB reports a rejected setting only as "Failed to set config", without naming it.
      if (/Failed to set config/.test(String(err))) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `DuckDB rejected the settings ${JSON.stringify(config)}; memoryLimit takes a size such as '2GB', ` +
            'threads a positive integer, tempDirectory a directory path',
          { cause: err, details: { config } },
        )
      }
      throw translateDuckDbError(err, { operation: `open DuckDB database "${path}"` })
    }
    await useUtc(instance)
    return new DuckDbTableEngine(instance, new DuckDbConnectionPool(instance, MAX_IDLE_CONNECTIONS))
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<QueryResult> {
    checkSql(sql, 'query')
    const { values, types } = toDuckDbParams(params)
    const connection = await this.pool.acquire()
    try {
      const result = await connection.run(sql, values, types)
      const columns = columnInfos(result)
      const rows: Row[] = []
      for (const chunk of await result.fetchAllChunks()) rows.push(...chunkRows(chunk, columns))
      return { columns, rows }
    } catch (err) {
      throw translateDuckDbError(err, { operation: 'query' })
    } finally {
      await this.pool.release(connection)
    }
  }

  async *streamRows(sql: string, params: readonly unknown[] = []): AsyncIterable<Row[]> {
    for await (const { columns, chunk } of this.chunks(sql, params, 'streamRows')) {
      yield chunkRows(chunk, columns)
    }
  }

  async *streamColumns(sql: string, params: readonly unknown[] = []): AsyncIterable<ColumnBatch> {
    for await (const { columns, chunk } of this.chunks(sql, params, 'streamColumns')) {
      yield { columns, values: chunkColumns(chunk), rowCount: chunk.rowCount }
    }
  }

  /**
   * Writes the result of `sql` with DuckDB's `COPY … TO` into a hidden temporary file beside
   * `path`, syncs it, and renames it over `path`, so readers see the old file or the whole new
   * one. Missing parent directories are created. Default compression `zstd`.
   */
  async writeParquet(
    sql: string,
    path: string,
    options: ParquetWriteOptions = {},
  ): Promise<{ rows: number }> {
    checkSql(sql, 'writeParquet')
    if (typeof path !== 'string' || path === '') {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `writeParquet path is ${JSON.stringify(path)}; pass a file path`,
      )
    }
    const target = resolve(path)
    const compression = options.compression ?? 'zstd'
    if (!COMPRESSIONS.includes(compression)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `compression "${compression}" is not supported; use one of ${COMPRESSIONS.join(', ')}`,
      )
    }
    const copyOptions = [`FORMAT parquet`, `COMPRESSION ${compression}`]
    if (options.rowGroupSize !== undefined) {
      if (!Number.isSafeInteger(options.rowGroupSize) || options.rowGroupSize < 1) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `rowGroupSize is ${options.rowGroupSize}; use a positive integer`,
        )
      }
      copyOptions.push(`ROW_GROUP_SIZE ${options.rowGroupSize}`)
    }
    const operation = `writeParquet to "${target}"`
    const temp = join(dirname(target), `.${basename(target)}.${randomUUID()}.tmp`)
    const connection = await this.pool.acquire()
    try {
      await mkdir(dirname(target), { recursive: true })
      const copy = `COPY (${stripTrailingSemicolons(sql)}) TO ${quotedString(temp)} (${copyOptions.join(', ')})`
      const result = await connection.run(copy, [])
      await syncFile(temp)
      await rename(temp, target)
      return { rows: result.rowsChanged }
    } catch (err) {
      await rm(temp, { force: true })
      throw translateDuckDbError(err, { operation })
    } finally {
      await this.pool.release(connection)
    }
  }

  async version(): Promise<string> {
    const { rows } = await this.query('select version() as version')
    return String(rows[0]?.version ?? '')
  }

  /** Interrupts running statements, closes every connection and the database. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.pool.close()
    this.instance.closeSync()
  }

  /**
   * DuckDB's streaming result, one chunk (up to 2048 rows) at a time. The connection stays
   * leased until the result is exhausted; when the consumer stops early, the open result is
   * released before the connection is reused.
   */
  private async *chunks(
    sql: string,
    params: readonly unknown[],
    operation: string,
  ): AsyncGenerator<{ columns: ColumnInfo[]; chunk: DuckDBDataChunk }> {
    checkSql(sql, operation)
    const { values, types } = toDuckDbParams(params)
    const connection = await this.pool.acquire()
    let exhausted = false
    try {
      const result = await connection.stream(sql, values, types)
      const columns = columnInfos(result)
      for (;;) {
        const chunk = await result.fetchChunk()
        if (chunk === null || chunk.rowCount === 0) {
          // close() interrupts the stream, which DuckDB reports as a normal end.
          if (this.closed) throw new StrataError('FAILED_PRECONDITION', `${operation}: the engine was closed`)
          break
        }
        yield { columns, chunk }
      }
      exhausted = true
    } catch (err) {
      throw translateDuckDbError(err, { operation })
    } finally {
      await this.pool.release(connection, !exhausted)
    }
  }
}

/** The node API reports an empty statement only as "Error in native callback". */
function checkSql(sql: string, operation: string): void {
  if (typeof sql !== 'string' || sql.trim() === '') {
    throw new StrataError('INVALID_ARGUMENT', `${operation}: the SQL is empty; pass one SQL statement`)
  }
}

function stripTrailingSemicolons(sql: string): string {
  return sql.replace(/[\s;]+$/, '')
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Sets the instance's time zone to UTC (DuckDB defaults to the machine's, from `TZ`). The
 * setting needs the ICU extension, which is loaded only after the instance is open, so it cannot
 * go in the open options.
 */
async function useUtc(instance: DuckDBInstance): Promise<void> {
  const connection = await instance.connect()
  try {
    await connection.run("SET GLOBAL TimeZone = 'UTC'")
  } catch (err) {
    throw translateDuckDbError(err, { operation: 'set the DuckDB time zone to UTC' })
  } finally {
    connection.closeSync()
  }
}
