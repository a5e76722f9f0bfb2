import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { StrataError } from '../../core/errors.js'
import type { ColumnInfo, TableEngine } from '../../ports/index.js'
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
      const code = (err as { code?: string }).code === 'NOT_FOUND' ? 'NOT_FOUND' : 'INVALID_ARGUMENT'
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
    await checkColumn(engine, view, base, key, view.keyTypes[key] ?? 'string', need(key, 'a join key'))
  }
  for (const [feature, type] of Object.entries(view.features)) {
    await checkColumn(engine, view, base, feature, type, need(feature, 'a declared feature'))
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
      (err as { code?: string }).code === 'NOT_FOUND' ? 'NOT_FOUND' : 'INVALID_ARGUMENT',
      `${what}: ${message}`,
      { cause: err },
    )
  }
}

/**
 * Checks one output column against its declared type: a column of the wrong kind fails with a
 * sample value; a compatible but wider column is scanned for values that do not fit.
 */
async function checkColumn(
  engine: TableEngine,
  view: FeatureView,
  base: string,
  column: string,
  type: FeatureType,
  columnType: string,
): Promise<void> {
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
  const where = compatible ? `${c} IS NOT NULL AND (${violation})` : `${c} IS NOT NULL`
  const { rows } = await engine.query(`SELECT ${keys}, ${c} AS "__value" FROM ${base} WHERE ${where} LIMIT 1`)
  const bad = rows[0]
  if (bad === undefined) return
  const entity = Object.fromEntries(view.joinKeys.map((k) => [k, bad[k]]))
  throw typeViolation({
    view: view.name,
    feature: column,
    type,
    entity,
    value: bad.__value,
    context: compatible ? 'computing features' : `computing features (column is ${columnType})`,
    role: view.joinKeys.includes(column) ? 'join key' : 'feature',
  })
}

function toMs(value: unknown): number | null {
  if (value === null || value === undefined) return null
  return Number(value)
}
