import { randomUUID } from 'node:crypto'
import { mkdir, open } from 'node:fs/promises'
import { join } from 'node:path'
import { isStrataError, StrataError } from '../../core/errors.js'
import { parseTimestamp } from '../../core/time.js'
import type { ColumnInfo, Row, TableEngine } from '../../ports/index.js'
import type { FeatureType } from '../definitions/index.js'
import {
  fileRelation,
  ident,
  isTimestampType,
  literal,
  showValue,
  timestampExpr,
} from '../definitions/index.js'
import { JsonlTableWriter } from './jsonl-table.js'
import { describeColumns } from './view-compute.js'

/** File formats entity rows may come in. */
export type EntityRowsFormat = 'parquet' | 'csv' | 'json'

/**
 * Entity rows for a training set: in memory, or local files (a path or a glob) of Parquet, CSV
 * or JSON Lines. `format` defaults from the extension (`.parquet`/`.pq`, `.csv`/`.tsv`,
 * `.json`/`.jsonl`/`.ndjson`), else from the file's first bytes. `name` is how messages refer to
 * the file (default its path).
 */
export type EntityRowsSource = readonly Row[] | { path: string; format?: EntityRowsFormat; name?: string }

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
    const file = source as { path: string; format?: EntityRowsFormat; name?: string }
    relation = await fileRows(engine, file, options.tempDir)
  } else {
    throw new StrataError(
      'INVALID_ARGUMENT',
      'entityRows must be an array of row objects, { path } of a Parquet, CSV or JSON Lines file, or a dataset reference',
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
  if (tsColumn.type === 'VARCHAR') {
    // Text times (CSV or JSON with mixed or unusual forms): one rule, naive = UTC, offsets honoured
    // (the engine's session time zone is UTC); the output column is the parsed TIMESTAMP.
    await checkTextTimes(engine, relation, ts)
    return {
      relation: `(SELECT * REPLACE (timezone('UTC', CAST(${ident(ts)} AS TIMESTAMPTZ)) AS ${ident(ts)}) FROM ${relation})`,
      rowColumn: ROW,
      columns: columns.map((c) => (c.name === ts ? { ...c, type: 'TIMESTAMP' } : c)),
      timestamp: ts,
      timestampExpr: `CAST(${ident(ts)} AS TIMESTAMP)`,
      rowCount,
    }
  }
  if (!isTimestampType(tsColumn.type)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `entity rows column "${ts}" is ${tsColumn.type}; it must be a TIMESTAMP or DATE (or ISO-8601 text)`,
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

/**
 * A relation over entity-row files with a row-position column. CSV and JSON are first copied to
 * a Parquet file (in file order), so every format is read the same way afterwards. Engine
 * errors name the file by `name`, never by an internal path such as a cache object's.
 */
async function fileRows(
  engine: TableEngine,
  file: { path: string; format?: EntityRowsFormat; name?: string },
  tempDir: string,
): Promise<string> {
  const name = file.name ?? file.path
  const glob = /[*?[{]/.test(file.path)
  const format = file.format ?? (await detectFormat(file.path, glob))
  let path = file.path
  if (format !== 'parquet') {
    path = join(tempDir, `entity-rows-${randomUUID()}.parquet`)
    await mkdir(tempDir, { recursive: true })
    try {
      await engine.writeParquet(`SELECT * FROM ${fileRelation(file.path, format)}`, path)
    } catch (err) {
      throw unreadable(err, file.path, name, format)
    }
  }
  const relation =
    glob && format === 'parquet'
      ? `(SELECT * EXCLUDE (file_row_number, filename), row_number() OVER (ORDER BY filename, file_row_number) AS ${ident(ROW)} FROM read_parquet(${literal(path)}, file_row_number = true, filename = true))`
      : `(SELECT * EXCLUDE (file_row_number), file_row_number AS ${ident(ROW)} FROM read_parquet(${literal(path)}, file_row_number = true))`
  try {
    await engine.query(`SELECT * FROM ${relation} LIMIT 0`)
  } catch (err) {
    throw unreadable(err, file.path, name, format)
  }
  return relation
}

const EXTENSIONS: Record<string, EntityRowsFormat> = {
  parquet: 'parquet',
  pq: 'parquet',
  csv: 'csv',
  tsv: 'csv',
  json: 'json',
  jsonl: 'json',
  ndjson: 'json',
}

/** The entity-rows format a file name's extension says, if it says one. */
export function entityRowsFormatOf(path: string): EntityRowsFormat | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase()
  return ext === undefined ? undefined : EXTENSIONS[ext]
}

/** The format by extension, else by the first bytes (`PAR1`, `{`/`[`, anything else CSV). */
async function detectFormat(path: string, glob: boolean): Promise<EntityRowsFormat> {
  const known = entityRowsFormatOf(path)
  if (known !== undefined || glob) return known ?? 'parquet'
  let head: Buffer
  try {
    const handle = await open(path, 'r')
    try {
      head = Buffer.alloc(64)
      const { bytesRead } = await handle.read(head, 0, 64, 0)
      head = head.subarray(0, bytesRead)
    } finally {
      await handle.close()
    }
  } catch {
    // Missing or unreadable: the engine's read reports it.
    return 'parquet'
  }
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet'
  const first = head.toString('utf8').trimStart()[0]
  return first === '{' || first === '[' ? 'json' : 'csv'
}

/** An engine error on entity-row files, with the internal path replaced by the file's name. */
function unreadable(err: unknown, path: string, name: string, format: EntityRowsFormat): StrataError {
  const raw = err instanceof Error ? err.message : String(err)
  const message = raw.split(path).join(name)
  const kind = format === 'parquet' ? 'Parquet' : format === 'csv' ? 'CSV' : 'JSON Lines'
  return new StrataError(
    isStrataError(err, 'NOT_FOUND') ? 'NOT_FOUND' : 'INVALID_ARGUMENT',
    `entity rows ${name} cannot be read as ${kind} (entity rows may be Parquet, CSV or JSON Lines): ${message}`,
  )
}

/** Fails naming the first text timestamp that is not a time. */
async function checkTextTimes(engine: TableEngine, relation: string, ts: string): Promise<void> {
  const { rows } = await engine.query(
    `SELECT ${ident(ROW)} AS row, ${ident(ts)} AS value FROM ${relation} WHERE ${ident(ts)} IS NOT NULL AND TRY_CAST(${ident(ts)} AS TIMESTAMPTZ) IS NULL ORDER BY ${ident(ROW)} LIMIT 1`,
  )
  const bad = rows[0]
  if (bad !== undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `entity row ${String(bad.row)} has ${ts} = ${showValue(bad.value)}; it must be an ISO-8601 time such as 2001-03-31T14:00:00Z (without an offset it is UTC)`,
      { details: { row: Number(bad.row), column: ts, value: bad.value } },
    )
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
    value instanceof Date
      ? value.getTime()
      : typeof value === 'string'
        ? (parseTimestamp(value) ?? Number.NaN)
        : Number.NaN
  if (!Number.isFinite(ms)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `entity row ${row} has ${column} = ${showValue(value)}; it must be a Date or an ISO-8601 time such as 2001-03-31T14:00:00Z (without an offset it is UTC)`,
    )
  }
  return ms
}
