import type { JoinKeyType } from '../definitions/index.js'
import { ident } from '../definitions/index.js'

/** Column name carrying each entity row's position, so output order equals input order. */
export const ROW_COLUMN = '__strata_row'

/** The entity side of a point-in-time join. */
export interface PitEntitySide {
  /** A DuckDB relation (table function, subquery in parentheses, or CTE name). */
  relation: string
  /** Column holding each row's position (unique, ascending in input order). */
  rowColumn: string
  /** The event-timestamp column, and a SQL expression normalizing it to TIMESTAMP. */
  timestamp: string
  timestampExpr: string
  /** Columns of the relation copied to the output, in order (the row column excluded). */
  columns: readonly string[]
  /** Join key → declared type: those columns are cast to it. */
  keyTypes: Readonly<Record<string, JoinKeyType>>
}

/** One feature view's side of a point-in-time join. */
export interface PitViewSide {
  /** A DuckDB relation of the view's rows. */
  relation: string
  joinKeys: readonly string[]
  keyTypes: Readonly<Record<string, JoinKeyType>>
  /** The view's event-timestamp column and its TIMESTAMP expression. */
  timestamp: string
  timestampExpr: string
  /** Values older than this before the entity row's time are treated as missing. */
  ttlMs: number | null
  /** Feature columns to read, and the output names they get. */
  features: readonly { column: string; as: string }[]
  /**
   * When rows may repeat an (entity, timestamp) pair: the column ordering them, the greatest
   * winning. `undefined` when the relation is known to hold each pair once (computed views).
   */
  dedupeBy?: string
  /** Output the matched feature timestamp as this column, if given. */
  timestampAs?: string
}

/**
 * A view already joined elsewhere (e.g. in Postgres): a relation with one row per entity row,
 * keyed by `ROW_COLUMN`, holding the output columns (ttl already applied).
 */
export interface PitJoinedSide {
  joined: string
  /** Output columns of the relation, in order. */
  columns: readonly string[]
}

const KEY_SQL_TYPES: Record<JoinKeyType, string> = { string: 'VARCHAR', int: 'BIGINT' }

/**
 * The DuckDB SQL of a point-in-time join: for each entity row and each view, the view's row
 * with the same join keys and the latest event time ≤ the entity row's time; its features are
 * kept only when that time is within the view's ttl (`feature time ≥ row time − ttl`), else
 * `NULL`. Entity rows keep their order and multiplicity (`ASOF LEFT JOIN` per view, ordered by
 * the row column, which is returned first with `includeRowColumn`); a null key or timestamp
 * matches nothing.
 */
export function buildPointInTimeSql(
  entity: PitEntitySide,
  views: readonly (PitViewSide | PitJoinedSide)[],
  options: { includeRowColumn?: boolean } = {},
): string {
  const ctes: string[] = []
  const entityKeys = new Set<string>()
  for (const v of views) if (!('joined' in v)) for (const k of v.joinKeys) entityKeys.add(k)
  const replaced = [...entityKeys].filter((k) => entity.columns.includes(k))
  const casts = replaced.map((k) => `CAST(${ident(k)} AS ${KEY_SQL_TYPES[entity.keyTypes[k] ?? 'string']})`)
  const entitySelect = [
    `${ident(entity.rowColumn)} AS ${ident(ROW_COLUMN)}`,
    `${entity.timestampExpr} AS "__strata_ts"`,
    ...entity.columns.map((c) => {
      const i = replaced.indexOf(c)
      return i >= 0 ? `${casts[i]} AS ${ident(c)}` : ident(c)
    }),
  ]
  ctes.push(`"__e" AS (SELECT ${entitySelect.join(', ')} FROM ${entity.relation})`)

  const selects = entity.columns.map((c) => `"__e".${ident(c)}`)
  const joins: string[] = []
  views.forEach((v, i) => {
    const alias = `__v${i}`
    if ('joined' in v) {
      ctes.push(`"${alias}" AS (SELECT * FROM ${v.joined})`)
      joins.push(`LEFT JOIN "${alias}" ON "__e".${ident(ROW_COLUMN)} = "${alias}".${ident(ROW_COLUMN)}`)
      for (const c of v.columns) selects.push(`"${alias}".${ident(c)}`)
      return
    }
    const cols = [
      ...v.joinKeys.map(
        (k, j) => `CAST(${ident(k)} AS ${KEY_SQL_TYPES[v.keyTypes[k] ?? 'string']}) AS "__k${j}"`,
      ),
      `${v.timestampExpr} AS "__t"`,
      ...v.features.map((f, j) => `${ident(f.column)} AS "__f${j}"`),
    ]
    const notNull = [...v.joinKeys.map((k) => `${ident(k)} IS NOT NULL`), `${ident(v.timestamp)} IS NOT NULL`]
    let body = `SELECT ${cols.join(', ')} FROM ${v.relation} WHERE ${notNull.join(' AND ')}`
    if (v.dedupeBy !== undefined) {
      const partition = [...v.joinKeys.map((_, j) => `"__k${j}"`), '"__t"'].join(', ')
      body += ` QUALIFY row_number() OVER (PARTITION BY ${partition} ORDER BY ${ident(v.dedupeBy)} DESC) = 1`
    }
    ctes.push(`"${alias}" AS (${body})`)
    const on = [
      ...v.joinKeys.map((k, j) => `"__e".${ident(k)} = "${alias}"."__k${j}"`),
      `"__e"."__strata_ts" >= "${alias}"."__t"`,
    ]
    joins.push(`ASOF LEFT JOIN "${alias}" ON ${on.join(' AND ')}`)
    const fresh =
      v.ttlMs === null ? undefined : `"${alias}"."__t" >= "__e"."__strata_ts" - to_milliseconds(${v.ttlMs})`
    v.features.forEach((f, j) => {
      const value = `"${alias}"."__f${j}"`
      selects.push(
        `${fresh === undefined ? value : `CASE WHEN ${fresh} THEN ${value} END`} AS ${ident(f.as)}`,
      )
    })
    if (v.timestampAs !== undefined) {
      const t = `"${alias}"."__t"`
      selects.push(
        `${fresh === undefined ? t : `CASE WHEN ${fresh} THEN ${t} END`} AS ${ident(v.timestampAs)}`,
      )
    }
  })
  return [
    `WITH ${ctes.join(',\n')}`,
    `SELECT ${options.includeRowColumn ? `"__e".${ident(ROW_COLUMN)}, ` : ''}${selects.join(', ')}`,
    `FROM "__e" ${joins.join(' ')}`,
    `ORDER BY "__e".${ident(ROW_COLUMN)}`,
  ].join('\n')
}
