import type { SelectQueryBuilder } from 'kysely'
import type { MetadataDialect } from '../metadata-database.js'
import { toPage } from './page-token.js'
import type { ParsedSearch } from './search-parser.js'
import { filterSql, orderTerms } from './search-sql.js'

/**
 * Runs one page of a search: adds the filter's conditions and the full order to `query` (the
 * caller's base query over the schema's table, under the schema's alias, already scoped — e.g.
 * to some experiments — and selecting the row keys), fetches one row more than the page size,
 * and returns the page with a `nextPageToken` when more rows follow.
 *
 * @example
 * const s = parseSearch(EXPERIMENT_SEARCH_SCHEMA, { filter: "name LIKE 'fl%'", maxResults: 10 })
 * const page = await searchPage(dialect, s, db.selectFrom('tracking_experiments as e').select('e.experiment_id'))
 */
export async function searchPage<DB, TB extends keyof DB, O>(
  dialect: MetadataDialect,
  search: ParsedSearch,
  query: SelectQueryBuilder<DB, TB, O>,
): Promise<{ items: O[]; nextPageToken?: string }> {
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
