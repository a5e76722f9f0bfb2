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

/**
 * The user's query over a table named `source`: `WITH source AS (<relation>) <sql>`, merged
 * into the query's own `WITH` clause when it has one (trailing semicolons removed).
 */
export function withSource(relation: string, sql: string): string {
  const body = sql.replace(/[\s;]+$/, '')
  const m = /^\s*with(\s+recursive)?\s+/i.exec(body)
  if (m === null) return `WITH source AS (SELECT * FROM ${relation}) ${body}`
  return `WITH${m[1] ?? ''} source AS (SELECT * FROM ${relation}), ${body.slice(m[0].length)}`
}
