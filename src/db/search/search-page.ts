import type { SelectQueryBuilder } from 'kysely'
import type { MetadataDialect } from '../metadata-database.js'
import { walkGroups, walkPage } from './ordered-walk.js'
import { toPage } from './page-token.js'
import type { ParsedSearch } from './search-parser.js'
import type { KeyedValues } from './search-schema.js'
import { filterSql, orderTerms } from './search-sql.js'

/**
 * Runs one page of a search: adds the filter's conditions and the full order to `query` (the
 * caller's base query over the schema's table, under the schema's alias, already scoped — e.g.
 * to some experiments — and selecting the row keys), fetches one row more than the page size,
 * and returns the page with a `nextPageToken` when more rows follow. Given a {@link ScopedQuery},
 * a search ordered first by a metric, param or tag of a {@link KeyedValues.unique} side table
 * over a large scope runs as an ordered index walk ({@link walkPage}), with the same result.
 *
 * @example
 * const s = parseSearch(EXPERIMENT_SEARCH_SCHEMA, { filter: "name LIKE 'fl%'", maxResults: 10 })
 * const page = await searchPage(dialect, s, db.selectFrom('tracking_experiments as e').select('e.experiment_id'))
 */
export async function searchPage<DB, TB extends keyof DB, O>(
  dialect: MetadataDialect,
  search: ParsedSearch,
  query: SelectQueryBuilder<DB, TB, O> | ScopedQuery<DB, TB, O>,
  options: { walkScope?: number } = {},
): Promise<{ items: O[]; nextPageToken?: string }> {
  if (typeof query === 'function') {
    const groups = walkGroups(dialect, search)
    const walkScope = options.walkScope ?? WALK_SCOPE
    if (
      groups !== undefined &&
      (dialect === 'postgres' || (await scopeSize(query(false), walkScope)) >= walkScope)
    ) {
      const rows = await walkPage(dialect, search, groups, () => query(true) as never)
      return toPage(rows as O[], search.offset, search.maxResults)
    }
    return searchPage(dialect, search, query(false))
  }
  let q = query
  for (const c of search.filter) q = q.where(filterSql(dialect, search.schema, c))
  for (const o of search.orderBy) {
    for (const term of orderTerms(dialect, search.schema, o)) q = q.orderBy(term.expr, term.direction)
  }
  const rows = await q
    .limit(search.maxResults + 1)
    .offset(search.offset)
    .execute()
  return toPage(rows, search.offset, search.maxResults)
}

/**
 * The base query of a search as a function of `walk`: true when the search walks a side
 * table's `(key, value)` index in order ({@link walkGroups}), so the scope's own conditions must
 * not lead the planner to start from the searched table's indexes — on SQLite, write them with
 * a unary `+` (`+r.experiment_id in (…)`), which keeps them from using an index.
 */
export type ScopedQuery<DB, TB extends keyof DB, O> = (walk: boolean) => SelectQueryBuilder<DB, TB, O>

/**
 * SQLite walks an index only when the scope holds at least this many rows: below it, reading
 * the scope's rows and sorting them is as fast and does not depend on how selective the filter is.
 */
const WALK_SCOPE = 20_000
// (`options.walkScope` overrides it: 0 always walks, which tests use to compare both plans.)

async function scopeSize<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  atLeast: number,
): Promise<number> {
  if (atLeast <= 0) return 0
  // One row back when the scope holds `atLeast` rows or more; the database counts, not the driver.
  const rows = await query
    .limit(1)
    .offset(atLeast - 1)
    .execute()
  return rows.length === 0 ? 0 : atLeast
}
