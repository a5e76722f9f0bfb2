import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { isStrataError, StrataError } from '../../core/errors.js'
import type { ColumnInfo, Row, TableEngine } from '../../ports/index.js'
import type { FeatureView } from '../definitions/index.js'
import {
  DUCKDB_TYPES,
  type FeatureType,
  ident,
  isTimestampType,
  literal,
  timestampExpr,
  typeViolation,
  withSource,
} from '../definitions/index.js'
import { transformToJsonl } from './view-transform.js'

/** Options of {@link computeFeatureView}. */
export interface ComputeFeatureViewOptions {
  engine: TableEngine
  view: FeatureView
  /** A DuckDB relation of the source rows (e.g. `read_parquet('…')`). */
  source: string
  /** Parquet file to write. */
  outPath: string
  /** Scratch directory (a `transform` writes its rows here first). */
  tempDir: string
}

/** What {@link computeFeatureView} wrote. */
export interface ComputedView {
  path: string
  rows: number
  /** Earliest and latest event time in the output, epoch ms (`null` when empty). */
  minTime: number | null
  maxTime: number | null
}

const INT_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/
const WIDE_INT_TYPES = /^(BIGINT|HUGEINT|UBIGINT|UHUGEINT)$/
const FLOAT_TYPES = /^(FLOAT|DOUBLE|REAL)$/
const DECIMAL = /^DECIMAL/
const MAX_SAFE = '9007199254740991'

/**
 * Computes a feature view's rows into one Parquet file, in DuckDB: the view's `sql` over the
 * table `source` (or its `transform` over each source row, or the source as is), with join keys,
 * timestamp and features cast to their declared types and sorted by event time.
 *
 * Declared types are enforced: a column of the wrong kind, or a value that does not fit (a
 * fractional or out-of-range `int`, a non-finite `float`), rejects the whole computation with
 * `INVALID_ARGUMENT` naming the view, feature, entity and value; nothing is written.
 * Rows with a null join key or timestamp are dropped. When several rows share an entity and
 * event time, the last one in the view's output order wins, so each pair appears once.
 */
export async function computeFeatureView(options: ComputeFeatureViewOptions): Promise<ComputedView> {
  const { engine, view } = options
  const transformed =
    view.transform === undefined
      ? undefined
      : await transformToJsonl(engine, view, options.source, options.tempDir)
  const query =
    transformed !== undefined
      ? transformed.relation
      : view.sql !== undefined
        ? `(${withSource(options.source, view.sql)})`
        : `(SELECT * FROM ${options.source})`
  // The view's query runs once, into a staging file: the type checks and the final write read it.
  const staging = join(options.tempDir, `staging-${view.name}-${randomUUID()}.parquet`)
  try {
    try {
      await engine.writeParquet(`SELECT *, row_number() OVER () AS "__strata_seq" FROM ${query}`, staging, {
        compression: 'snappy',
      })
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      const code = isStrataError(err, 'NOT_FOUND') ? 'NOT_FOUND' : 'INVALID_ARGUMENT'
      throw new StrataError(code, `feature view "${view.name}": ${message}`, { cause: err })
    }
    return await finish(options, `read_parquet(${literal(staging)})`)
  } finally {
    await rm(staging, { force: true })
    if (transformed !== undefined) await rm(transformed.path, { force: true })
  }
}

async function finish(options: ComputeFeatureViewOptions, base: string): Promise<ComputedView> {
  const { engine, view } = options
  const columns = (await describeColumns(engine, base, `feature view "${view.name}"`)).filter(
    (c) => c.name !== '__strata_seq',
  )
  const types = new Map(columns.map((c) => [c.name, c.type]))
  const need = (column: string, role: string): string => {
    const type = types.get(column)
    if (type === undefined) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `feature view "${view.name}" output has no column "${column}" (${role}); it has ${columns.map((c) => c.name).join(', ')}`,
      )
    }
    return type
  }
  const tsType = need(view.timestamp, 'the event timestamp')
  if (!isTimestampType(tsType)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `feature view "${view.name}" timestamp column "${view.timestamp}" is ${tsType}; it must be a TIMESTAMP or DATE`,
    )
  }
  for (const key of view.joinKeys) {
    await checkColumn(options, base, key, view.keyTypes[key] ?? 'string', need(key, 'a join key'))
  }
  for (const [feature, type] of Object.entries(view.features)) {
    await checkColumn(options, base, feature, type, need(feature, 'a declared feature'))
  }

  const keys = view.joinKeys.map(ident)
  const select = [
    ...view.joinKeys.map(
      (k) => `CAST(${ident(k)} AS ${DUCKDB_TYPES[view.keyTypes[k] ?? 'string']}) AS ${ident(k)}`,
    ),
    `${timestampExpr(ident(view.timestamp), tsType)} AS ${ident(view.timestamp)}`,
    ...Object.entries(view.features).map(
      ([f, type]) => `CAST(${ident(f)} AS ${DUCKDB_TYPES[type]}) AS ${ident(f)}`,
    ),
  ]
  const notNull = [...keys, ident(view.timestamp)].map((c) => `${c} IS NOT NULL`).join(' AND ')
  const partition = [...keys, ident(view.timestamp)].join(', ')
  // Deduplicating is a sort of its own; a hash aggregate tells first whether it is needed.
  const dups = await engine.query(
    `SELECT count(*)::INTEGER AS n FROM (SELECT 1 FROM ${base} WHERE ${notNull} GROUP BY ${partition} HAVING count(*) > 1)`,
  )
  const sql = [
    `SELECT ${select.join(', ')}`,
    `FROM ${base}`,
    `WHERE ${notNull}`,
    ...(Number(dups.rows[0]?.n ?? 0) > 0
      ? [`QUALIFY row_number() OVER (PARTITION BY ${partition} ORDER BY "__strata_seq" DESC) = 1`]
      : []),
    `ORDER BY ${ident(view.timestamp)}, ${keys.join(', ')}`,
  ].join('\n')
  const { rows } = await engine.writeParquet(sql, options.outPath)
  const stats = await engine.query(
    `SELECT epoch_ms(min(${ident(view.timestamp)})) AS lo, epoch_ms(max(${ident(view.timestamp)})) AS hi FROM read_parquet($1)`,
    [options.outPath],
  )
  const row = stats.rows[0] ?? {}
  return { path: options.outPath, rows, minTime: toMs(row.lo), maxTime: toMs(row.hi) }
}

/** The columns and DuckDB types of a relation, without reading its rows. */
export async function describeColumns(
  engine: TableEngine,
  relation: string,
  what: string,
): Promise<ColumnInfo[]> {
  try {
    const { columns } = await engine.query(`SELECT * FROM ${relation} LIMIT 0`)
    return columns
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    throw new StrataError(
      isStrataError(err, 'NOT_FOUND') ? 'NOT_FOUND' : 'INVALID_ARGUMENT',
      `${what}: ${message}`,
      { cause: err },
    )
  }
}

/**
 * Checks one output column against its declared type. A column of the wrong kind fails naming
 * its first value (in the view's output order) that cannot be of the declared type: the stray
 * `"abc"` that made a CSV column text, not a valid `"30.5"` before it. A compatible but wider
 * column is scanned for the first value that does not fit. The message names the entity, the
 * value, the rule and, when the value is found there, its row number in the source.
 */
async function checkColumn(
  options: ComputeFeatureViewOptions,
  base: string,
  column: string,
  type: FeatureType,
  columnType: string,
): Promise<void> {
  const { engine, view } = options
  const c = ident(column)
  const t = columnType.toUpperCase()
  let violation: string | undefined
  let compatible: boolean
  switch (type) {
    case 'int':
      compatible = INT_TYPES.test(t) || FLOAT_TYPES.test(t) || DECIMAL.test(t)
      if (WIDE_INT_TYPES.test(t)) violation = `abs(CAST(${c} AS HUGEINT)) > ${MAX_SAFE}`
      else if (FLOAT_TYPES.test(t) || DECIMAL.test(t)) {
        violation = `NOT isfinite(CAST(${c} AS DOUBLE)) OR CAST(${c} AS DOUBLE) <> trunc(CAST(${c} AS DOUBLE)) OR abs(CAST(${c} AS DOUBLE)) > ${MAX_SAFE}`
      }
      break
    case 'float':
      compatible = INT_TYPES.test(t) || FLOAT_TYPES.test(t) || DECIMAL.test(t)
      if (FLOAT_TYPES.test(t)) violation = `NOT isfinite(${c})`
      break
    case 'string':
      compatible = t === 'VARCHAR' || t.startsWith('ENUM')
      break
    case 'bool':
      compatible = t === 'BOOLEAN'
      break
    case 'timestamp':
      compatible = isTimestampType(t)
      break
  }
  if (compatible && violation === undefined) return
  const keys = view.joinKeys.map(ident).join(', ')
  const select = (where: string) =>
    engine.query(
      `SELECT ${keys}, ${c} AS "__value" FROM ${base} WHERE ${c} IS NOT NULL AND (${where}) ORDER BY "__strata_seq" LIMIT 1`,
    )
  let note: string | undefined
  let bad: Row | undefined
  if (compatible) bad = (await select(violation as string)).rows[0]
  else {
    // Text that does not read as the declared type is what made the column text.
    const unreadable = t === 'VARCHAR' ? unreadableAs(c, type) : undefined
    if (unreadable !== undefined) bad = (await select(unreadable)).rows[0]
    note = `the column is ${columnType}${bad === undefined ? '' : ' because of this value'}`
    bad ??= (await select('true')).rows[0]
  }
  if (bad === undefined) return
  // Keys as their declared type shows them: an int key read back as a bigint is still 1234.
  const entity = Object.fromEntries(
    view.joinKeys.map((k) => {
      const v = bad[k]
      return [k, typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : v]
    }),
  )
  const row = await sourceRow(engine, options.source, column, bad.__value)
  throw typeViolation({
    view: view.name,
    feature: column,
    type,
    entity,
    value: bad.__value,
    context: 'computing features',
    role: view.joinKeys.includes(column) ? 'join key' : 'feature',
    ...(row === undefined ? {} : { row: { number: row, of: 'the source' } }),
    ...(note === undefined ? {} : { note }),
  })
}

/** A condition true for text that cannot be read as `type` (undefined: any text is wrong). */
function unreadableAs(c: string, type: FeatureType): string | undefined {
  switch (type) {
    case 'int':
      return `TRY_CAST(trim(${c}) AS DOUBLE) IS NULL OR NOT isfinite(TRY_CAST(trim(${c}) AS DOUBLE)) OR TRY_CAST(trim(${c}) AS DOUBLE) <> trunc(TRY_CAST(trim(${c}) AS DOUBLE)) OR abs(TRY_CAST(trim(${c}) AS DOUBLE)) > ${MAX_SAFE}`
    case 'float':
      return `TRY_CAST(trim(${c}) AS DOUBLE) IS NULL OR NOT isfinite(TRY_CAST(trim(${c}) AS DOUBLE))`
    case 'bool':
      return `TRY_CAST(trim(${c}) AS BOOLEAN) IS NULL`
    case 'timestamp':
      return `TRY_CAST(trim(${c}) AS TIMESTAMP) IS NULL`
    case 'string':
      return undefined
  }
}

/**
 * The 1-based number of the first source row whose `column` holds `value` (as text), when the
 * source has that column; `undefined` when it has not or the value is not found there.
 */
async function sourceRow(
  engine: TableEngine,
  source: string,
  column: string,
  value: unknown,
): Promise<number | undefined> {
  if (value === null || value === undefined || typeof value === 'object') return undefined
  try {
    const columns = await describeColumns(engine, source, 'source')
    if (!columns.some((col) => col.name === column)) return undefined
    const { rows } = await engine.query(
      `SELECT n FROM (SELECT row_number() OVER () AS n, CAST(${ident(column)} AS VARCHAR) AS v FROM ${source}) WHERE v = $1 ORDER BY n LIMIT 1`,
      [String(value)],
    )
    const n = rows[0]?.n
    return n === undefined || n === null ? undefined : Number(n)
  } catch {
    // The row number is a hint; the error is raised without it.
    return undefined
  }
}

function toMs(value: unknown): number | null {
  if (value === null || value === undefined) return null
  return Number(value)
}
