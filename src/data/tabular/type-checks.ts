import type { DeclaredType } from './declared-schema.js'
import type { TableFormat } from './table-format.js'

/** How DuckDB types group for validation. */
export type TypeFamily =
  | 'text'
  | 'json'
  | 'integer'
  | 'decimal'
  | 'float'
  | 'bool'
  | 'date'
  | 'timestamp'
  | 'other'

const INTEGER_TYPES = new Set([
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'UHUGEINT',
])

/** The family of a DuckDB type name as DESCRIBE prints it (`BIGINT`, `DECIMAL(18,3)`, …). */
export function typeFamily(type: string): TypeFamily {
  const t = type.toUpperCase()
  if (t === 'VARCHAR' || t.startsWith('ENUM(')) return 'text'
  if (t === 'JSON') return 'json'
  if (INTEGER_TYPES.has(t)) return 'integer'
  if (/^DECIMAL\(\d+,\s*0\)$/.test(t)) return 'integer'
  if (t.startsWith('DECIMAL')) return 'decimal'
  if (t === 'FLOAT' || t === 'DOUBLE') return 'float'
  if (t === 'BOOLEAN') return 'bool'
  if (t === 'DATE') return 'date'
  if (t.startsWith('TIMESTAMP')) return 'timestamp'
  return 'other'
}

/** True for families that compare as numbers. */
export function isNumericFamily(family: TypeFamily): boolean {
  return family === 'integer' || family === 'decimal' || family === 'float'
}

/**
 * How a file column is checked against a declared type:
 * - `all`: the column's type already guarantees every value fits;
 * - `none`: the column's type cannot hold the declared type — one column-level issue;
 * - `rows`: each non-null value is checked with the `ok` predicate.
 * `isNull`, `text` and `num` are SQL over the column: its null test, its value as text (for
 * enums and messages) and as DOUBLE (for ranges and numeric enums).
 */
export interface ColumnCheck {
  kind: 'all' | 'none' | 'rows'
  ok: string
  isNull: string
  text: string
  num: string
  /** Whether the file holds numbers here, so an offending value is reported as a number. */
  numericValues: boolean
}

const INT_TEXT = (x: string) =>
  `(regexp_full_match(trim(${x}), '[+-]?[0-9]+') AND TRY_CAST(trim(${x}) AS BIGINT) IS NOT NULL)`
const FLOAT_TEXT = (x: string) => `(TRY_CAST(trim(${x}) AS DOUBLE) IS NOT NULL)`
const BOOL_TEXT = (x: string) => `(lower(trim(${x})) IN ('true', 'false', 't', 'f', '1', '0'))`
const TIMESTAMP_TEXT = (x: string) => `(TRY_CAST(trim(${x}) AS TIMESTAMP) IS NOT NULL)`
const DATE_TEXT = (x: string) =>
  `(regexp_full_match(trim(${x}), '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}') AND TRY_CAST(trim(${x}) AS DATE) IS NOT NULL)`

/** Predicates over a text value, per declared type (CSV fields; strings holding dates in JSON). */
const TEXT_RULES: Record<DeclaredType, ((x: string) => string) | 'all'> = {
  string: 'all',
  int: INT_TEXT,
  float: FLOAT_TEXT,
  bool: BOOL_TEXT,
  timestamp: TIMESTAMP_TEXT,
  date: DATE_TEXT,
}

/**
 * The check of column `x` (a SQL expression) of DuckDB type `sourceType` in a `format` file
 * against `declared`. CSV/TSV columns are read as text, so every value is parsed: `int` is an
 * optionally signed run of digits within 64 bits, `float` anything DuckDB casts to DOUBLE
 * (including `NaN`, `inf`), `bool` one of true/false/t/f/1/0 (any case), `timestamp` anything
 * castable to TIMESTAMP, `date` a `YYYY-M-D` date. Parquet and JSON columns are typed, so the
 * type decides: a text column is a string (or a timestamp/date when its values parse as one),
 * an integer column an int or a float, a floating column a float (or an int when every value
 * is whole), and JSON columns of mixed types are checked value by value by their JSON type.
 */
export function columnCheck(
  x: string,
  declared: DeclaredType,
  sourceType: string,
  format: TableFormat,
): ColumnCheck {
  const family = typeFamily(sourceType)
  const base = {
    isNull: `(${x} IS NULL)`,
    text: `CAST(${x} AS VARCHAR)`,
    num: `TRY_CAST(${x} AS DOUBLE)`,
    numericValues: isNumericFamily(family),
  }
  const all = { ...base, kind: 'all' as const, ok: 'true' }
  const none = { ...base, kind: 'none' as const, ok: 'false' }
  const rows = (ok: string) => ({ ...base, kind: 'rows' as const, ok })

  if (family === 'text') {
    const textual = { ...base, num: `TRY_CAST(trim(${x}) AS DOUBLE)` }
    const rule = TEXT_RULES[declared]
    if (rule === 'all') return { ...textual, kind: 'all', ok: 'true' }
    // Typed formats keep numbers and booleans apart from strings; only CSV/TSV parse them.
    const typed = format !== 'csv' && format !== 'tsv'
    if (typed && (declared === 'int' || declared === 'float' || declared === 'bool')) {
      return { ...textual, kind: 'none', ok: 'false' }
    }
    return { ...textual, kind: 'rows', ok: rule(x) }
  }
  if (family === 'json') return jsonCheck(x, declared)
  const fromJson = format === 'json' || format === 'jsonl'
  switch (declared) {
    case 'string':
      // DuckDB reads JSON strings that look like dates as DATE/TIMESTAMP; they are still strings.
      return fromJson && (family === 'date' || family === 'timestamp') ? all : none
    case 'int':
      if (family === 'integer') return all
      if (family === 'decimal') return rows(`(${x} = trunc(${x}))`)
      if (family === 'float') return rows(`(isfinite(${x}) AND ${x} = trunc(${x}))`)
      return none
    case 'float':
      return isNumericFamily(family) ? all : none
    case 'bool':
      return family === 'bool' ? all : none
    case 'timestamp':
      return family === 'timestamp' || family === 'date' ? all : none
    case 'date':
      return family === 'date' ? all : none
  }
}

/** A JSON column holding values of several JSON types: each value's own type decides. */
function jsonCheck(x: string, declared: DeclaredType): ColumnCheck {
  const str = `json_extract_string(${x}, '$')`
  const type = `json_type(${x})`
  const base = {
    isNull: `(${x} IS NULL OR ${type} = 'NULL')`,
    text: str,
    num: `TRY_CAST(${str} AS DOUBLE)`,
    numericValues: false,
    kind: 'rows' as const,
  }
  switch (declared) {
    case 'string':
      return { ...base, ok: `(${type} = 'VARCHAR')` }
    case 'int':
      return { ...base, ok: `(${type} IN ('BIGINT', 'UBIGINT'))` }
    case 'float':
      return { ...base, ok: `(${type} IN ('BIGINT', 'UBIGINT', 'DOUBLE'))` }
    case 'bool':
      return { ...base, ok: `(${type} = 'BOOLEAN')` }
    case 'timestamp':
      return { ...base, ok: `(${type} = 'VARCHAR' AND ${TIMESTAMP_TEXT(str)})` }
    case 'date':
      return { ...base, ok: `(${type} = 'VARCHAR' AND ${DATE_TEXT(str)})` }
  }
}
