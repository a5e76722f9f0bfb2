import { type SqlBool, sql } from 'kysely'
import { type MetadataDialect, parseSearch, searchPage } from '../db/index.js'
import { loadRuns } from './run-reader.js'
import type { TrackingDb } from './tracking-context.js'
import { RUN_SEARCH_SCHEMA } from './tracking-search-schemas.js'
import type { Page, Run, SearchRunsOptions } from './tracking-types.js'
import { validateExperimentId } from './tracking-validation.js'

/**
 * Searches runs of `experimentIds` with MLflow's filter language ({@link RUN_SEARCH_SCHEMA}),
 * compiled to one SQL query (correlated `exists` per clause over params, tags, latest metrics
 * and dataset inputs). Order: the `orderBy` entries (missing values last in both directions),
 * then `start_time` descending, then run id. Pages are offsets in an opaque token. Ordered first
 * by a metric, param or tag over a large scope, the search walks that key's `(key, value)`
 * index in order and stops after one page (see `searchPage`).
 */
export async function searchRuns(
  db: TrackingDb,
  dialect: MetadataDialect,
  options: SearchRunsOptions,
): Promise<Page<Run>> {
  for (const id of options.experimentIds) validateExperimentId(id)
  const search = parseSearch(RUN_SEARCH_SCHEMA, options)
  if (options.experimentIds.length === 0) return { items: [] }
  const ids = [...options.experimentIds]
  const view = options.viewType ?? 'active'
  const page = await searchPage(dialect, search, (walk) => {
    // Walking a metric/param/tag index: SQLite must not start from the runs' experiment index.
    const plus = walk && dialect === 'sqlite' ? sql.raw('+') : sql.raw('')
    let q = db
      .selectFrom('tracking_runs as r')
      .select('r.run_id')
      .where(sql<SqlBool>`${plus}${sql.ref('r.experiment_id')} in (${sql.join(ids)})`)
    if (view !== 'all') q = q.where(sql<SqlBool>`${plus}${sql.ref('r.lifecycle_stage')} = ${view}`)
    return q
  })
  const items = await loadRuns(
    db,
    page.items.map((r) => r.run_id),
  )
  return page.nextPageToken === undefined ? { items } : { items, nextPageToken: page.nextPageToken }
}
