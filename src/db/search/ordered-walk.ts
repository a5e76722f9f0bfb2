import { type Expression, type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely'
import type { MetadataDialect } from '../metadata-database.js'
import type { ParsedSearch } from './search-parser.js'
import type { KeyedValues } from './search-schema.js'
import { filterSql, type OrderTerm, orderTerms } from './search-sql.js'
import { byteOrder } from './sql-compare.js'

/** The alias of the side-table row a walk orders by. */
const WALKED = 'ob'

/** One part of a walk's result, in order: its extra join and condition, and its leading order term. */
interface WalkGroup {
  /** Joins the side row of the order key from this table (absent for rows without a value). */
  join?: { table: string; on: RawBuilder<SqlBool> }
  where?: RawBuilder<SqlBool>
  order?: OrderTerm
}

/**
 * The groups of a search whose first order entry is a metric, param or tag kept in a
 * {@link KeyedValues.unique} side table, or `undefined` for any other search. Concatenated, the
 * groups give exactly the order {@link orderTerms} defines: rows with a value (ordered by it),
 * then (metrics) rows whose value is NaN, then rows without one.
 */
export function walkGroups(dialect: MetadataDialect, search: ParsedSearch): WalkGroup[] | undefined {
  const lead = search.orderBy[0]
  if (lead === undefined || (lead.type !== 'metric' && lead.type !== 'param' && lead.type !== 'tag')) return
  const schema = search.schema
  const values: KeyedValues | undefined =
    lead.type === 'metric' ? schema.metrics : lead.type === 'param' ? schema.params : schema.tags
  if (values?.unique !== true) return
  const link = Object.entries(values.link).map(
    ([column, own]) => sql<SqlBool>`${sql.ref(`${WALKED}.${column}`)} = ${sql.ref(`${schema.alias}.${own}`)}`,
  )
  const join = {
    table: values.table,
    on: sql<SqlBool>`${sql.join(link, sql` and `)} and ${sql.ref(`${WALKED}.key`)} = ${lead.key}`,
  }
  const value = sql.ref(`${WALKED}.value`)
  const direction = lead.ascending ? 'asc' : 'desc'
  const missing: WalkGroup = {
    where: filterSql(dialect, schema, {
      type: lead.type,
      key: lead.key,
      comparator: 'IS NULL',
      value: null,
      numeric: false,
      position: 0,
    }),
  }
  const nan = lead.type === 'metric' ? schema.metrics?.nanColumn : undefined
  if (lead.type !== 'metric') {
    return [{ join, order: { expr: byteOrder(dialect, value), direction } }, missing]
  }
  if (nan === undefined) return [{ join, order: { expr: value, direction } }, missing]
  const nanRef = sql.ref(`${WALKED}.${nan}`)
  return [
    { join, where: sql<SqlBool>`${nanRef} = 0`, order: { expr: value, direction } },
    { join, where: sql<SqlBool>`${nanRef} = 1` },
    missing,
  ]
}

/** Anything selected from the searched table, with the side table joined in. */
type AnyQuery<O> = SelectQueryBuilder<Record<string, Record<string, unknown>>, string, O>

/**
 * One page of a search through its {@link walkGroups}: each group is one query ordered by the
 * group's term and the remaining order entries, so an index on the side table's `(key, value)`
 * yields rows in order and the query stops after `offset + maxResults + 1` rows. The page is
 * filled from the first group on; a later group is asked only for what the earlier ones did not
 * supply (counting a group's rows only when the page starts after its end).
 */
export async function walkPage<O>(
  dialect: MetadataDialect,
  search: ParsedSearch,
  groups: readonly WalkGroup[],
  base: () => SelectQueryBuilder<never, never, O>,
): Promise<O[]> {
  const rest: OrderTerm[] = search.orderBy.slice(1).flatMap((o) => orderTerms(dialect, search.schema, o))
  let skip = search.offset
  let need = search.maxResults + 1
  const out: O[] = []
  for (const group of groups) {
    let q = base() as unknown as AnyQuery<O>
    if (group.join !== undefined) {
      const { table, on } = group.join
      q = q.innerJoin(sql.table(table).as(WALKED) as never, (j) => j.on(on)) as AnyQuery<O>
    }
    if (group.where !== undefined) q = q.where(group.where)
    for (const c of search.filter) q = q.where(filterSql(dialect, search.schema, c))
    const terms = group.order === undefined ? rest : [group.order, ...rest]
    for (const term of terms) q = q.orderBy(term.expr as Expression<unknown>, term.direction)
    const rows = await q.limit(need).offset(skip).execute()
    out.push(...rows)
    need -= rows.length
    if (need === 0) break
    if (rows.length > 0 || skip === 0) skip = 0
    else {
      const counted = (await q
        .clearSelect()
        .clearOrderBy()
        .clearLimit()
        .clearOffset()
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirst()) as { n: number | string } | undefined
      skip = Math.max(0, skip - Number(counted?.n ?? 0))
    }
  }
  return out
}
