import {
  BIGINT,
  BLOB,
  BOOLEAN,
  blobValue,
  DOUBLE,
  type DuckDBDataChunk,
  type DuckDBResult,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBValueConverter,
  HUGEINT,
  INTEGER,
  type JS,
  JSDuckDBValueConverter,
  LIST,
  listValue,
  SQLNULL,
  STRUCT,
  structValue,
  TIMESTAMP,
  timestampValue,
  VARCHAR,
} from '@duckdb/node-api'
import { StrataError } from '../../core/errors.js'
import type { ColumnInfo, Row } from '../../ports/index.js'

const INT32_MIN = -2_147_483_648
const INT32_MAX = 2_147_483_647
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** A parameter converted for DuckDB: the value and the SQL type it binds as. */
export interface DuckDbParam {
  value: DuckDBValue
  type: DuckDBType
}

/**
 * Converts a JS parameter to a DuckDB value with an explicit type, so binding never guesses:
 * `null`/`undefined` → NULL, boolean → BOOLEAN, string → VARCHAR, integer number → INTEGER
 * (or BIGINT beyond 32 bits), other number → DOUBLE, bigint → BIGINT (HUGEINT beyond 64 bits),
 * `Date` → TIMESTAMP (UTC wall clock, the inverse of how TIMESTAMP is read), `Uint8Array` →
 * BLOB, array → LIST (element type from the first non-null item), plain object → STRUCT.
 */
export function toDuckDbParam(input: unknown, where: string): DuckDbParam {
  if (input === null || input === undefined) return { value: null, type: SQLNULL }
  switch (typeof input) {
    case 'boolean':
      return { value: input, type: BOOLEAN }
    case 'string':
      return { value: input, type: VARCHAR }
    case 'number':
      if (Number.isInteger(input) && input >= INT32_MIN && input <= INT32_MAX) {
        return { value: input, type: INTEGER }
      }
      if (Number.isSafeInteger(input)) return { value: BigInt(input), type: BIGINT }
      return { value: input, type: DOUBLE }
    case 'bigint':
      return { value: input, type: input >= INT64_MIN && input <= INT64_MAX ? BIGINT : HUGEINT }
  }
  if (input instanceof Date) {
    const millis = input.getTime()
    if (Number.isNaN(millis)) {
      throw new StrataError('INVALID_ARGUMENT', `${where} is an invalid Date; pass a Date with a valid time`)
    }
    return { value: timestampValue(BigInt(millis) * 1000n), type: TIMESTAMP }
  }
  if (input instanceof Uint8Array) return { value: blobValue(input), type: BLOB }
  if (Array.isArray(input)) {
    const items = input.map((item, i) => toDuckDbParam(item, `${where}[${i}]`))
    const itemType = items.find((item) => item.value !== null)?.type ?? SQLNULL
    return { value: listValue(items.map((item) => item.value)), type: LIST(itemType) }
  }
  if (isPlainObject(input)) {
    const values: Record<string, DuckDBValue> = {}
    const types: Record<string, DuckDBType> = {}
    for (const [key, item] of Object.entries(input)) {
      const param = toDuckDbParam(item, `${where}.${key}`)
      values[key] = param.value
      types[key] = param.type
    }
    return { value: structValue(values), type: STRUCT(types) }
  }
  throw new StrataError(
    'INVALID_ARGUMENT',
    `${where} has unsupported type ${describe(input)}; valid parameters are null, boolean, number, bigint, ` +
      'string, Date, Uint8Array, arrays and plain objects of these',
  )
}

/** Converts positional parameters (`$1` is `params[0]`) to parallel value and type arrays. */
export function toDuckDbParams(params: readonly unknown[]): { values: DuckDBValue[]; types: DuckDBType[] } {
  const values: DuckDBValue[] = []
  const types: DuckDBType[] = []
  params.forEach((param, i) => {
    const converted = toDuckDbParam(param, `parameter $${i + 1}`)
    values.push(converted.value)
    types.push(converted.type)
  })
  return { values, types }
}

/**
 * Converts DuckDB values to plain JS, as `JSDuckDBValueConverter` does, but reports values a
 * `Date` cannot hold (e.g. `'infinity'::timestamp`) as INVALID_ARGUMENT with a way around it.
 */
export const toJsValue: DuckDBValueConverter<JS> = (value, type, converter) => {
  try {
    return JSDuckDBValueConverter(value, type, converter)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    throw new StrataError(
      'INVALID_ARGUMENT',
      `cannot convert a DuckDB ${type.toString()} value to JS: ${message}; cast the column (e.g. to VARCHAR) in SQL`,
      { cause: err },
    )
  }
}

/** Column names (deduplicated as DuckDB does: a second `a` becomes `a:1`) and SQL type names. */
export function columnInfos(result: DuckDBResult): ColumnInfo[] {
  const names = result.deduplicatedColumnNames()
  return result.columnTypes().map((type, i) => ({ name: names[i] ?? `column${i}`, type: type.toString() }))
}

/** The rows of one chunk as plain objects keyed by column name. */
export function chunkRows(chunk: DuckDBDataChunk, columns: readonly ColumnInfo[]): Row[] {
  const rows: Row[] = []
  for (const values of chunk.convertRows(toJsValue)) {
    const row: Row = {}
    for (let c = 0; c < columns.length; c++) row[columns[c]!.name] = values[c] ?? null
    rows.push(row)
  }
  return rows
}

/** The columns of one chunk, one array per column in result order. */
export function chunkColumns(chunk: DuckDBDataChunk): unknown[][] {
  return chunk.convertColumns(toJsValue)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function describe(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value
  return value.constructor?.name ?? 'object'
}
