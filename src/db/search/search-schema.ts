import type { EntityType } from './filter-parser.js'

/** A searchable attribute: a column of the searched table. */
export interface AttributeSpec {
  /** The column of the searched table (qualified with {@link SearchSchema.alias} when compiled). */
  column: string
  /** Numbers compare with `= != > >= < <=` and unquoted literals; strings with `= != LIKE ILIKE IN NOT IN`. */
  type: 'string' | 'number'
  /** Attributes that may be absent (e.g. `end_time` of a running run) accept `IS [NOT] NULL` and sort last. */
  nullable?: boolean
  /**
   * How a string attribute sorts: `bytes` (default; byte order on both dialects) or `decimal` for
   * ids that are decimal numbers written as text, so `"2"` sorts before `"10"`.
   */
  sort?: 'bytes' | 'decimal'
}

/**
 * Values kept per key in a side table with `key` and `value` columns (one row per key, except
 * for metrics, which may hold several: a row matches when any of them does, and sorts by the
 * largest). Searchable as `params.<key>`, `tags.<key>` or `metrics.<key>`.
 */
export interface KeyedValues {
  /** The side table, e.g. `tracking_params`. */
  table: string
  /** Side-table column → the column of the searched row it references, e.g. `{ run_id: 'run_id' }`. */
  link: Readonly<Record<string, string>>
  /**
   * True when the side table holds at most one row per searched row and key (its primary key),
   * with an index on `(key, value)` (metrics: `(key, nan, value)`). A search ordered first by
   * such a value can then walk that index in order and stop after one page
   * ({@link searchPage}) instead of sorting every row of the scope.
   */
  unique?: boolean
}

/** Numeric values per key (`metrics.<key>`). */
export interface MetricValues extends KeyedValues {
  /**
   * The column that is 1 where the value is NaN (stored as 0). NaN is unequal to every number,
   * fails every other comparison, and sorts after numbers and before missing values.
   */
  nanColumn?: string
}

/**
 * Fields of related rows, searchable as `datasets.<field>`: a row matches when one of its related
 * rows does. `from` and `link` are SQL written by the schema's author (never user input).
 */
export interface RelatedFields {
  /** The related rows, e.g. `tracking_run_inputs i join tracking_datasets d on d.dataset_id = i.dataset_id`. */
  from: string
  /** What ties them to the searched row, e.g. `i.run_id = r.run_id`. */
  link: string
  /** Field name → qualified column, e.g. `{ name: 'd.name', context: 'i.context' }`. */
  fields: Readonly<Record<string, string>>
}

/**
 * What one kind of row can be searched by — the single description from which the MLflow filter
 * and order-by language is checked and compiled to SQL that behaves the same on SQLite and
 * Postgres (the role of MLflow's `SearchUtils` subclasses such as `SearchModelUtils`). Every
 * searchable table of every domain declares one; none writes its own parser or SQL.
 *
 * Shared rules, enforced for every schema:
 * - `LIKE` is case-sensitive, `ILIKE` folds case; `%` and `_` are wildcards and `\` escapes them
 *   (`name LIKE 'a\_b'` matches only `a_b`); a pattern may not end with a lone `\`.
 * - Strings sort in byte order on both dialects (`B` before `a`); missing values sort last in
 *   both directions.
 * - Pages are offsets in an opaque token ({@link encodePageToken}); results are ordered by the
 *   caller's entries, then `defaultOrder`, so paging is stable.
 *
 * How a new domain (pipeline runs, deployments, monitors, …) makes a table searchable:
 * 1. Declare a schema next to its store, naming the alias its query will give the table.
 * 2. In its search method: `const s = parseSearch(schema, options)` (bad input fails before any
 *    query), build the scoped base query selecting the row keys, then
 *    `const page = await searchPage(dialect, s, query)` and load the rows of `page.items`.
 * 3. Add the table to the cross-entity test (`test/integration/search-entities.test.ts`), which
 *    runs the shared filter, escape, ordering and paging cases over every schema on both dialects.
 *
 * @example
 * export const PIPELINE_RUN_SEARCH_SCHEMA: SearchSchema = {
 *   subject: 'pipeline runs',
 *   alias: 'pr',
 *   attributes: {
 *     name: { column: 'pipeline', type: 'string' },
 *     status: { column: 'status', type: 'string' },
 *     start_time: { column: 'started_at', type: 'number' },
 *     end_time: { column: 'ended_at', type: 'number', nullable: true },
 *     run_id: { column: 'run_id', type: 'string' },
 *   },
 *   tags: { table: 'pipeline_run_tags', link: { run_id: 'run_id' } },
 *   defaultOrder: ['start_time DESC', 'run_id ASC'],
 *   pageSize: { default: 100, max: 1000 },
 * }
 *
 * async search(options: SearchRequest): Promise<Page<PipelineRun>> {
 *   const s = parseSearch(PIPELINE_RUN_SEARCH_SCHEMA, options)
 *   const q = this.db.selectFrom('pipeline_runs as pr').select('pr.run_id')
 *   const page = await searchPage(this.dialect, s, q)
 *   return { ...page, items: await this.load(page.items.map((r) => r.run_id)) }
 * }
 */
export interface SearchSchema {
  /** Plural noun for messages: "runs", "registered models". */
  subject: string
  /** The alias the searching query gives the table (`selectFrom('tracking_runs as r')` → `r`). */
  alias: string
  /** Attributes by the names filters use (several names may share a column, e.g. MLflow's aliases). */
  attributes: Readonly<Record<string, AttributeSpec>>
  metrics?: MetricValues
  params?: KeyedValues
  tags?: KeyedValues
  datasets?: RelatedFields
  /**
   * Order-by entries appended after the caller's, skipping one whose column the caller already
   * sorts by. The last must identify a row uniquely, so that pages never overlap or skip.
   */
  defaultOrder: readonly string[]
  /** Page size when the caller names none, and the largest allowed. */
  pageSize: { readonly default: number; readonly max: number }
}

/** The entity types a schema can be searched by, in MLflow's order. */
export function searchableEntities(schema: SearchSchema): EntityType[] {
  const out: EntityType[] = []
  if (schema.metrics) out.push('metric')
  if (schema.params) out.push('param')
  if (schema.tags) out.push('tag')
  out.push('attribute')
  if (schema.datasets) out.push('dataset')
  return out
}
