import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely'
import type { MetadataDialect } from '../metadata-database.js'
import type { Comparator } from './filter-parser.js'

/**
 * Translates a SQL LIKE pattern (`%`, `_`, `\` escapes) to a SQLite GLOB pattern. SQLite's LIKE
 * ignores ASCII case, Postgres's does not; GLOB is case-sensitive, so both dialects agree.
 */
export function likeToGlob(pattern: string): string {
  let out = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string
    if (c === '\\' && i + 1 < pattern.length) {
      const next = pattern[++i] as string
      out += next === '*' || next === '?' || next === '[' ? `[${next}]` : next
    } else if (c === '%') out += '*'
    else if (c === '_') out += '?'
    else if (c === '*' || c === '?' || c === '[') out += `[${c}]`
    else out += c
  }
  return out
}

/** Lower-cases ASCII letters only, matching SQLite's built-in `lower()`. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase())
}

/**
 * `column <comparator> value` as SQL that behaves the same on SQLite and Postgres:
 * LIKE is case-sensitive on both (GLOB on SQLite); ILIKE folds ASCII case on SQLite (Postgres
 * folds all of Unicode); numbers are compared as double precision so a bigint column accepts
 * a fractional bound.
 */
export function compareSql(
  dialect: MetadataDialect,
  column: Expression<unknown>,
  comparator: Comparator,
  value: string | number | string[] | null,
): RawBuilder<SqlBool> {
  switch (comparator) {
    case 'IS NULL':
      return sql<SqlBool>`${column} is null`
    case 'IS NOT NULL':
      return sql<SqlBool>`${column} is not null`
    case 'IN':
    case 'NOT IN': {
      const list = (value as string[]).map((v) => sql`${v}`)
      return comparator === 'IN'
        ? sql<SqlBool>`${column} in (${sql.join(list)})`
        : sql<SqlBool>`${column} not in (${sql.join(list)})`
    }
    case 'LIKE':
      return dialect === 'sqlite'
        ? sql<SqlBool>`${column} glob ${likeToGlob(String(value))}`
        : sql<SqlBool>`${column} like ${String(value)}`
    case 'ILIKE':
      return dialect === 'sqlite'
        ? sql<SqlBool>`lower(${column}) glob ${likeToGlob(asciiLower(String(value)))}`
        : sql<SqlBool>`${column} ilike ${String(value)}`
    default: {
      const op = sql.raw(comparator === '!=' ? '<>' : comparator)
      const rhs = typeof value === 'number' ? sql`cast(${value} as double precision)` : sql`${value}`
      return sql<SqlBool>`${column} ${op} ${rhs}`
    }
  }
}

/**
 * A text expression to sort by in byte order on both dialects: SQLite compares strings
 * binary by default, Postgres by the database's collation (often `en_US`), so Postgres gets
 * `collate "C"`.
 */
export function byteOrder(dialect: MetadataDialect, expr: Expression<unknown>): Expression<unknown> {
  return dialect === 'postgres' ? sql`${expr} collate "C"` : expr
}
