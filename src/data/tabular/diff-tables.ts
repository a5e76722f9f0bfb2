import { StrataError } from '../../core/errors.js'
import type { Row, TableEngine } from '../../ports/index.js'
import { settle } from './read-error.js'
import { sqlString } from './sql-text.js'
import type { TableFormat } from './table-format.js'
import { type OpenedTable, readTable, type SourceColumn } from './table-reader.js'
import { isNumericFamily, typeFamily } from './type-checks.js'

/** A column that appeared, disappeared or changed type between two versions of a file. */
export interface SchemaChange {
  column: string
  change: 'added' | 'removed' | 'type'
  /** The DuckDB type before (for `removed` and `type`). */
  before?: string
  /** The DuckDB type after (for `added` and `type`). */
  after?: string
}

/** A row present in both versions under the same key whose other values differ. */
export interface ChangedRow {
  /** The key columns and their values. */
  key: Row
  before: Row
  after: Row
  /** The compared columns whose values differ. */
  columns: string[]
}

/** The row-level comparison of two versions by key. */
export interface KeyDiff {
  key: string[]
  added: number
  removed: number
  changed: number
  unchanged: number
  /** The first rows of each kind in key order (at most `sampleSize` each). */
  samples: { added: Row[]; removed: Row[]; changed: ChangedRow[] }
}

/** How two versions of a tabular file differ. */
export interface TableDiff {
  rowsBefore: number
  rowsAfter: number
  /** Removed and retyped columns in the old file's order, then added ones in the new file's. */
  schemaChanges: SchemaChange[]
  /** Present when a key was given. */
  byKey?: KeyDiff
}

/** Options for {@link diffTables}. */
export interface DiffTablesOptions {
  /** Columns identifying a row in both versions; gives the row-level summary `byKey`. */
  key?: string[]
  /** Rows per sample list; default 10. */
  sampleSize?: number
  /** Names to show in errors instead of the local paths. */
  files?: { before?: string; after?: string }
}

/**
 * Compares two versions of a tabular file with SQL: row counts, schema changes and, with a
 * `key`, how many rows were added, removed, changed and left unchanged, with samples.
 *
 * Rows match by key with a FULL OUTER JOIN (a null key matches a null key); a matched row is
 * changed when any column present in both versions, other than the key, `IS DISTINCT FROM` its
 * old value. A column whose type changed is compared as DOUBLE when both types are numeric and
 * as text otherwise. Sample values are plain JS: integers as numbers (as strings beyond 2^53),
 * timestamps as `Date`.
 *
 * Rejects with INVALID_ARGUMENT when a key column is missing in either file (naming the
 * available columns), when a key value is duplicated (with an example), or when either file is
 * malformed.
 *
 * @example
 * const diff = await diffTables(engine, oldPath, newPath, 'parquet', { key: ['id'] })
 * // { rowsBefore: 1000, rowsAfter: 1002, schemaChanges: [], byKey: { added: 2, changed: 5, … } }
 */
export async function diffTables(
  engine: TableEngine,
  pathA: string,
  pathB: string,
  format: TableFormat,
  options: DiffTablesOptions = {},
): Promise<TableDiff> {
  const sampleSize = options.sampleSize ?? 10
  if (!Number.isSafeInteger(sampleSize) || sampleSize < 0) {
    throw new StrataError('INVALID_ARGUMENT', `sampleSize is ${sampleSize}; use a non-negative integer`)
  }
  const key = options.key
  if (key !== undefined) checkKeyList(key)
  const fileA = options.files?.before ?? pathA
  const fileB = options.files?.after ?? pathB
  const a = await openCounted(engine, pathA, format, fileA)
  const b = await openCounted(engine, pathB, format, fileB)
  const diff: TableDiff = {
    rowsBefore: a.rows,
    rowsAfter: b.rows,
    schemaChanges: schemaChanges(a.table.columns, b.table.columns),
  }
  if (key === undefined) return diff
  const sides = { a: { ...a, file: fileA }, b: { ...b, file: fileB } }
  for (const side of [sides.a, sides.b]) {
    const names = side.table.columns.map((column) => column.name)
    for (const column of key) {
      if (!names.includes(column)) {
        throw settle(
          new StrataError(
            'INVALID_ARGUMENT',
            `key column "${column}" is not in ${side.file}; its columns are ${names.join(', ') || '(none)'}`,
            { details: { column, file: side.file, available: names } },
          ),
        )
      }
    }
    await checkUniqueKey(engine, side.table, side.file, key)
  }
  diff.byKey = await compareByKey(engine, a.table, b.table, key, sampleSize)
  return diff
}

async function openCounted(
  engine: TableEngine,
  path: string,
  format: TableFormat,
  file: string,
): Promise<{ table: OpenedTable; rows: number }> {
  return readTable(engine, path, format, { file }, async (table) => {
    // Counting every column parses every value, so a malformed file fails here, inside readTable.
    const counts = table.columns.map((_, i) => `, count(c${i})`).join('')
    const { rows } = await engine.query(`SELECT count(*) AS total${counts} FROM ${aliased(table, 'c')}`)
    return { table, rows: Number(rows[0]?.total ?? 0) }
  })
}

function checkKeyList(key: readonly string[]): void {
  if (!Array.isArray(key) || key.length === 0) {
    throw new StrataError('INVALID_ARGUMENT', 'key is empty; pass one or more column names, or omit key')
  }
  const seen = new Set<string>()
  for (const column of key) {
    if (typeof column !== 'string' || column === '') {
      throw new StrataError('INVALID_ARGUMENT', `key column ${JSON.stringify(column)} is not a column name`)
    }
    if (seen.has(column)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `key column "${column}" is listed twice; list each column once`,
      )
    }
    seen.add(column)
  }
}

function schemaChanges(before: readonly SourceColumn[], after: readonly SourceColumn[]): SchemaChange[] {
  const afterTypes = new Map(after.map((column) => [column.name, column.type]))
  const beforeNames = new Set(before.map((column) => column.name))
  const changes: SchemaChange[] = []
  for (const column of before) {
    const type = afterTypes.get(column.name)
    if (type === undefined) changes.push({ column: column.name, change: 'removed', before: column.type })
    else if (type !== column.type) {
      changes.push({ column: column.name, change: 'type', before: column.type, after: type })
    }
  }
  for (const column of after) {
    if (!beforeNames.has(column.name))
      changes.push({ column: column.name, change: 'added', after: column.type })
  }
  return changes
}

async function checkUniqueKey(
  engine: TableEngine,
  table: OpenedTable,
  file: string,
  key: readonly string[],
): Promise<void> {
  const cols = key.map((name) => `c${indexOf(table, name)}`)
  const { rows } = await engine.query(
    `SELECT ${cols.map((c, i) => `${c} AS k${i}`).join(', ')}, count(*) AS n FROM ${aliased(table, 'c')} ` +
      `GROUP BY ALL HAVING count(*) > 1 LIMIT 1`,
  )
  const duplicate = rows[0]
  if (duplicate === undefined) return
  const example = key.map((name, i) => `${name}=${JSON.stringify(plain(duplicate[`k${i}`]))}`).join(', ')
  throw settle(
    new StrataError(
      'INVALID_ARGUMENT',
      `key (${key.join(', ')}) is not unique in ${file}: ${example} appears in ${Number(duplicate.n)} rows; ` +
        'pick key columns that identify one row',
      {
        details: {
          file,
          key,
          example: Object.fromEntries(key.map((k, i) => [k, plain(duplicate[`k${i}`])])),
        },
      },
    ),
  )
}

async function compareByKey(
  engine: TableEngine,
  a: OpenedTable,
  b: OpenedTable,
  key: string[],
  sampleSize: number,
): Promise<KeyDiff> {
  const keyPairs = key.map((name) => pair(a, b, name))
  const compared = a.columns
    .map((column) => column.name)
    .filter((name) => !key.includes(name) && indexOf(b, name) >= 0)
  const comparedPairs = compared.map((name) => pair(a, b, name))
  const differs = comparedPairs.map(([x, y]) => `(${x} IS DISTINCT FROM ${y})`).join(' OR ') || 'false'
  const on = keyPairs.map(([x, y]) => `${x} IS NOT DISTINCT FROM ${y}`).join(' AND ')
  const joined =
    `WITH a AS (SELECT *, true AS __pa FROM ${aliased(a, 'a')}), ` +
    `b AS (SELECT *, true AS __pb FROM ${aliased(b, 'b')}), ` +
    `j AS (SELECT *, CASE WHEN __pa IS NULL THEN 'added' WHEN __pb IS NULL THEN 'removed' ` +
    `WHEN ${differs} THEN 'changed' ELSE 'unchanged' END AS __status FROM a FULL OUTER JOIN b ON ${on}) `
  const counts = { added: 0, removed: 0, changed: 0, unchanged: 0 }
  const { rows } = await engine.query(`${joined}SELECT __status, count(*) AS n FROM j GROUP BY __status`)
  for (const row of rows) counts[row.__status as keyof typeof counts] = Number(row.n)

  const samples: KeyDiff['samples'] = { added: [], removed: [], changed: [] }
  if (sampleSize > 0 && counts.added + counts.removed + counts.changed > 0) {
    // Each side's own key values: on the side a row is missing from they are all NULL (sorted
    // last), so added rows sort by their new key and the others by their old one.
    const order = [
      ...key.map((name) => `a${indexOf(a, name)}`),
      ...key.map((name) => `b${indexOf(b, name)}`),
    ].join(', ')
    const changedList = comparedPairs.length
      ? `list_filter([${comparedPairs
          .map(([x, y], i) => `CASE WHEN ${x} IS DISTINCT FROM ${y} THEN ${sqlString(compared[i]!)} END`)
          .join(', ')}], v -> v IS NOT NULL)`
      : '[]::VARCHAR[]'
    const sample = await engine.query(
      `${joined}SELECT *, ${changedList} AS __changed FROM j WHERE __status <> 'unchanged' ` +
        `QUALIFY row_number() OVER (PARTITION BY __status ORDER BY ${order}) <= ${sampleSize} ` +
        `ORDER BY __status, ${order}`,
    )
    for (const row of sample.rows) {
      const before = rowOf(a, 'a', row)
      const after = rowOf(b, 'b', row)
      if (row.__status === 'added') samples.added.push(after)
      else if (row.__status === 'removed') samples.removed.push(before)
      else {
        const keyRow = Object.fromEntries(key.map((name) => [name, before[name]]))
        samples.changed.push({ key: keyRow, before, after, columns: (row.__changed as string[]) ?? [] })
      }
    }
  }
  return { key, ...counts, samples }
}

/** `source AS t(p0, p1, …)`: columns renamed by position, so any column name is safe in SQL. */
function aliased(table: OpenedTable, prefix: string): string {
  if (table.columns.length === 0) return table.source
  return `${table.source} AS t_${prefix}(${table.columns.map((_, i) => `${prefix}${i}`).join(', ')})`
}

function indexOf(table: OpenedTable, name: string): number {
  return table.columns.findIndex((column) => column.name === name)
}

/** The two sides of a column as comparable SQL: as is, as DOUBLE, or as text. */
function pair(a: OpenedTable, b: OpenedTable, name: string): [string, string] {
  const i = indexOf(a, name)
  const j = indexOf(b, name)
  const typeA = a.columns[i]!.type
  const typeB = b.columns[j]!.type
  if (typeA === typeB) return [`a${i}`, `b${j}`]
  const cast = isNumericFamily(typeFamily(typeA)) && isNumericFamily(typeFamily(typeB)) ? 'DOUBLE' : 'VARCHAR'
  return [`CAST(a${i} AS ${cast})`, `CAST(b${j} AS ${cast})`]
}

function rowOf(table: OpenedTable, prefix: string, row: Row): Row {
  return Object.fromEntries(table.columns.map((column, i) => [column.name, plain(row[`${prefix}${i}`])]))
}

/** Values safe for JSON output: bigint → number (string beyond 2^53), recursively. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString()
  }
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  }
  return value
}
