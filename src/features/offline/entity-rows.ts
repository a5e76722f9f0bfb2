import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { StrataError } from '../../core/errors.js'
import type { ColumnInfo, Row, TableEngine } from '../../ports/index.js'
import type { FeatureType } from '../definitions/index.js'
import { ident, isTimestampType, literal, showValue, timestampExpr } from '../definitions/index.js'
import { JsonlTableWriter } from './jsonl-table.js'
import { describeColumns } from './view-compute.js'

/** Entity rows for a training set: in memory, or a local Parquet file (a path or a glob). */
export type EntityRowsSource = readonly Row[] | { path: string }

/** Entity rows ready for a point-in-time join in DuckDB. */
export interface PreparedEntityRows {
  relation: string
  rowColumn: string
  /** The rows' own columns (what a training set returns before the features). */
  columns: ColumnInfo[]
  timestamp: string
  timestampExpr: string
  rowCount: number | undefined
}

const ROW = '__strata_entity_row'

/**
 * Turns entity rows into a DuckDB relation with a row-position column. In-memory rows are
 * written as JSON Lines with column types inferred from their values (the timestamp column
 * takes `Date`s or ISO strings); a Parquet file keeps its types and is read in file order.
 */
export async function prepareEntityRows(
  engine: TableEngine,
  source: EntityRowsSource,
  options: {
    timestampColumn: string
    tempDir: string
    /** Join keys the rows should have: when no row holds a value, the column is still typed. */
    keyTypes?: Readonly<Record<string, 'string' | 'int'>>
  },
): Promise<PreparedEntityRows> {
  const ts = options.timestampColumn
  let relation: string
  let rowCount: number | undefined
  if (Array.isArray(source)) {
    const rows = source as readonly Row[]
    const columns = inferColumns(rows, ts, options.keyTypes ?? {})
    const writer = new JsonlTableWriter(join(options.tempDir, `entity-rows-${randomUUID()}.jsonl`), [
      ...columns,
      { name: ROW, type: 'int' },
    ])
    try {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] ?? {}
        const out: Record<string, unknown> = { [ROW]: i }
        for (const c of columns) out[c.name] = c.name === ts ? toMs(row[c.name], i, ts) : row[c.name]
        await writer.write(out)
      }
    } finally {
      await writer.close()
    }
    relation = writer.relation()
    rowCount = rows.length
  } else if (typeof (source as { path?: unknown }).path === 'string') {
    const path = (source as { path: string }).path
    relation = /[*?[{]/.test(path)
      ? `(SELECT * EXCLUDE (file_row_number, filename), row_number() OVER (ORDER BY filename, file_row_number) AS ${ident(ROW)} FROM read_parquet(${literal(path)}, file_row_number = true, filename = true))`
      : `(SELECT * EXCLUDE (file_row_number), file_row_number AS ${ident(ROW)} FROM read_parquet(${literal(path)}, file_row_number = true))`
  } else {
    throw new StrataError(
      'INVALID_ARGUMENT',
      'entityRows must be an array of row objects, { path } of a Parquet file, or a dataset reference',
    )
  }
  const all = await describeColumns(engine, relation, 'entity rows')
  const columns = all.filter((c) => c.name !== ROW)
  const tsColumn = columns.find((c) => c.name === ts)
  if (tsColumn === undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `entity rows have no timestamp column "${ts}"; they have ${columns.map((c) => c.name).join(', ') || 'no columns'} (set timestampColumn)`,
    )
  }
  if (!isTimestampType(tsColumn.type)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `entity rows column "${ts}" is ${tsColumn.type}; it must be a TIMESTAMP or DATE`,
    )
  }
  return {
    relation,
    rowColumn: ROW,
    columns,
    timestamp: ts,
    timestampExpr: timestampExpr(ident(ts), tsColumn.type),
    rowCount,
  }
}

function inferColumns(
  rows: readonly Row[],
  ts: string,
  keyTypes: Readonly<Record<string, 'string' | 'int'>>,
): { name: string; type: FeatureType }[] {
  const types = new Map<string, FeatureType | undefined>()
  for (const [index, row] of rows.entries()) {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `entity row ${index} is ${showValue(row)}; each entity row must be an object of column → value`,
      )
    }
    for (const [name, value] of Object.entries(row)) {
      if (name.startsWith('__strata')) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `entity rows column "${name}" uses a reserved name; rename it`,
        )
      }
      const type = name === ts ? 'timestamp' : typeOf(value)
      const known = types.get(name)
      if (type === undefined) {
        if (!types.has(name)) types.set(name, undefined)
        continue
      }
      if (known === undefined) types.set(name, type)
      else if (known !== type) {
        const merged =
          (known === 'int' && type === 'float') || (known === 'float' && type === 'int') ? 'float' : undefined
        if (merged === undefined) {
          throw new StrataError(
            'INVALID_ARGUMENT',
            `entity rows column "${name}" mixes ${known} and ${type} values (e.g. ${showValue(value)}); give one type per column`,
          )
        }
        types.set(name, merged)
      }
    }
  }
  // No rows: nothing can be missing, so the expected columns are typed as they would be.
  if (rows.length === 0) types.set(ts, 'timestamp')
  for (const [key, type] of Object.entries(keyTypes)) {
    // Only a column the rows have is typed from its key; a column no row has stays missing, so
    // the join-key check names it exactly as it does for a Parquet file without it.
    if (rows.length === 0 || (types.has(key) && types.get(key) === undefined)) types.set(key, type)
  }
  for (const name of [ts, ...Object.keys(keyTypes)]) {
    if (!types.has(name)) continue
    const index = rows.findIndex((row) => !Object.hasOwn(row, name))
    if (index >= 0) {
      const has = Object.keys(rows[index] ?? {})
      throw new StrataError(
        'INVALID_ARGUMENT',
        `entity row ${index} lacks ${name === ts ? 'timestamp column' : 'join key'} "${name}", which other rows have; it has ${has.join(', ') || 'no columns'} (give null for a missing value)`,
        { details: { row: index, column: name, columns: has } },
      )
    }
  }
  return [...types].map(([name, type]) => ({ name, type: type ?? 'string' }))
}

function typeOf(value: unknown): FeatureType | undefined {
  if (value === null || value === undefined) return undefined
  if (typeof value === 'string') return 'string'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'bigint') return 'int'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  if (value instanceof Date) return 'timestamp'
  throw new StrataError(
    'INVALID_ARGUMENT',
    `entity rows value ${showValue(value)} is not a string, number, bigint, boolean or Date`,
  )
}

function toMs(value: unknown, row: number, column: string): number | null {
  if (value === null || value === undefined) return null
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN
  if (!Number.isFinite(ms)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `entity row ${row} has ${column} = ${showValue(value)}; it must be a Date or an ISO-8601 string`,
    )
  }
  return ms
}
