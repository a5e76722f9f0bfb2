import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely'
import type { MetadataDialect } from '../db/index.js'
import { loadRuns } from './run-reader.js'
import type { FilterClause } from './search/filter-parser.js'
import { decodePageToken, toPage } from './search/page-token.js'
import {
  type OrderByClause,
  parseFilterFor,
  parseOrderByFor,
  RUN_SEARCH_SCHEMA,
} from './search/search-schema.js'
import { byteOrder, compareSql } from './search/sql-compare.js'
import type { TrackingDb } from './tracking-context.js'
import type { Page, Run, SearchRunsOptions } from './tracking-types.js'
import { resolveMaxResults, TRACKING_LIMITS, validateExperimentId } from './tracking-validation.js'

const TABLES = { param: 'tracking_params', tag: 'tracking_tags' } as const

/** `exists (select 1 from <table> x where x.run_id = r.run_id and x.key = … [and cond])`. */
function keyExists(table: string, key: string, cond?: RawBuilder<SqlBool>): RawBuilder<SqlBool> {
  return sql<SqlBool>`exists (select 1 from ${sql.table(table)} x where x.run_id = r.run_id and x.key = ${key}${cond ? sql` and ${cond}` : sql``})`
}

/** Compiles one filter clause to a SQL condition on the run row `r`. */
export function compileRunClause(dialect: MetadataDialect, c: FilterClause): RawBuilder<SqlBool> {
  const xValue = sql.ref('x.value')
  switch (c.type) {
    case 'metric': {
      if (c.comparator === 'IS NULL') return sql<SqlBool>`not ${keyExists('tracking_latest_metrics', c.key)}`
      if (c.comparator === 'IS NOT NULL') return keyExists('tracking_latest_metrics', c.key)
      // NaN (stored as 0, is_nan = 1) is unequal to everything and compares false otherwise.
      const cmp = compareSql(dialect, xValue, c.comparator, c.value)
      const cond =
        c.comparator === '!='
          ? sql<SqlBool>`(x.is_nan = 1 or ${cmp})`
          : sql<SqlBool>`(x.is_nan = 0 and ${cmp})`
      return keyExists('tracking_latest_metrics', c.key, cond)
    }
    case 'param':
    case 'tag': {
      const table = TABLES[c.type]
      if (c.comparator === 'IS NULL') return sql<SqlBool>`not ${keyExists(table, c.key)}`
      if (c.comparator === 'IS NOT NULL') return keyExists(table, c.key)
      return keyExists(table, c.key, compareSql(dialect, xValue, c.comparator, c.value))
    }
    case 'dataset': {
      const column = c.key === 'context' ? sql.ref('i.context') : sql.ref(`d.${c.key}`)
      return sql<SqlBool>`exists (select 1 from tracking_run_inputs i join tracking_datasets d on d.dataset_id = i.dataset_id where i.run_id = r.run_id and ${compareSql(dialect, column, c.comparator, c.value)})`
    }
    case 'attribute': {
      const column = RUN_SEARCH_SCHEMA.attributes[c.key]?.column ?? c.key
      return compareSql(dialect, sql.ref(`r.${column}`), c.comparator, c.value)
    }
  }
}

/** The expression an order-by entry sorts on, and a 0/1/2 rank that puts NaN then missing values last. */
function orderExpressions(
  dialect: MetadataDialect,
  o: OrderByClause,
): { rank: Expression<unknown>; value: Expression<unknown> } {
  if (o.type === 'metric') {
    const sub = (col: string) =>
      sql`(select ${sql.raw(col)} from tracking_latest_metrics x where x.run_id = r.run_id and x.key = ${o.key})`
    return { rank: sql`coalesce(${sub('x.is_nan')}, 2)`, value: sub('x.value') }
  }
  if (o.type === 'param' || o.type === 'tag') {
    const value = sql`(select x.value from ${sql.table(TABLES[o.type])} x where x.run_id = r.run_id and x.key = ${o.key})`
    return { rank: sql`case when ${value} is null then 1 else 0 end`, value: byteOrder(dialect, value) }
  }
  const spec = RUN_SEARCH_SCHEMA.attributes[o.key]
  const value = sql.ref(`r.${spec?.column ?? o.key}`)
  return {
    rank: sql`case when ${value} is null then 1 else 0 end`,
    value: spec?.type === 'string' ? byteOrder(dialect, value) : value,
  }
}

/**
 * Searches runs of `experimentIds` with MLflow's filter language, compiled to one SQL query
 * (correlated `exists` per clause over params, tags, latest metrics and dataset inputs).
 * Order: the `orderBy` entries (missing values last in both directions), then `start_time`
 * descending, then run id. Pages are offsets in an opaque token.
 */
export async function searchRuns(
  db: TrackingDb,
  dialect: MetadataDialect,
  options: SearchRunsOptions,
): Promise<Page<Run>> {
  for (const id of options.experimentIds) validateExperimentId(id)
  const clauses = parseFilterFor(RUN_SEARCH_SCHEMA, options.filter)
  const orderBy = (options.orderBy ?? []).map((o) => parseOrderByFor(RUN_SEARCH_SCHEMA, o))
  const max = resolveMaxResults(
    options.maxResults,
    TRACKING_LIMITS.searchDefaultResults,
    TRACKING_LIMITS.searchMaxResults,
  )
  const offset = decodePageToken(options.pageToken)
  if (options.experimentIds.length === 0) return { items: [] }
  let q = db
    .selectFrom('tracking_runs as r')
    .select('r.run_id')
    .where('r.experiment_id', 'in', [...options.experimentIds])
  const view = options.viewType ?? 'active'
  if (view !== 'all') q = q.where('r.lifecycle_stage', '=', view)
  for (const c of clauses) q = q.where(compileRunClause(dialect, c))
  for (const o of orderBy) {
    const { rank, value } = orderExpressions(dialect, o)
    q = q.orderBy(rank).orderBy(value, o.ascending ? 'asc' : 'desc')
  }
  const column = (o: OrderByClause) => RUN_SEARCH_SCHEMA.attributes[o.key]?.column
  if (!orderBy.some((o) => o.type === 'attribute' && column(o) === 'start_time')) {
    q = q.orderBy('r.start_time', 'desc')
  }
  q = q.orderBy('r.run_id')
  const rows = await q
    .limit(max + 1)
    .offset(offset)
    .execute()
  const page = toPage(rows, offset, max)
  const items = await loadRuns(
    db,
    page.items.map((r) => r.run_id),
  )
  return page.nextPageToken === undefined ? { items } : { items, nextPageToken: page.nextPageToken }
}
