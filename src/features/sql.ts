/** A double-quoted SQL identifier (DuckDB and Postgres). */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** A single-quoted SQL string literal (DuckDB and Postgres with standard_conforming_strings). */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** A DuckDB table function reading local files of one format (a path or a glob). */
export function fileRelation(path: string | readonly string[], format: 'parquet' | 'csv' | 'json'): string {
  const arg = typeof path === 'string' ? literal(path) : `[${path.map(literal).join(', ')}]`
  switch (format) {
    case 'parquet':
      return `read_parquet(${arg})`
    case 'csv':
      return `read_csv(${arg}, auto_detect = true)`
    case 'json':
      return `read_json_auto(${arg})`
  }
}

/** True for DuckDB timestamp types a feature or entity timestamp column may have. */
export function isTimestampType(type: string): boolean {
  return /^(TIMESTAMP|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|TIMESTAMP WITH TIME ZONE|DATE)$/i.test(
    type.trim(),
  )
}

/**
 * A DuckDB expression normalizing a timestamp column to `TIMESTAMP` (UTC wall clock): a
 * `TIMESTAMPTZ` is converted to UTC rather than to the session's time zone.
 */
export function timestampExpr(column: string, type: string): string {
  return /WITH TIME ZONE/i.test(type) ? `timezone('UTC', ${column})` : `CAST(${column} AS TIMESTAMP)`
}
