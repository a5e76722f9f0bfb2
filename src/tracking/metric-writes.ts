import { CompiledQuery } from 'kysely'
import type { MetadataDialect } from '../db/index.js'
import type { TrackingDb } from './tracking-context.js'

/** A metric value as both metric tables store it. */
export interface MetricValueRow {
  run_id: string
  key: string
  value: number
  ts: number
  step: number
  is_nan: number
}

const COLUMNS = ['run_id', 'key', 'value', 'ts', 'step', 'is_nan'] as const
const PG_TYPES = ['varchar', 'varchar', 'float8', 'int8', 'int8', 'int4'] as const

const HISTORY_CONFLICT = 'on conflict (run_id, key, step, ts, value, is_nan) do nothing'
// The latest value per key: highest step, then timestamp, then value (the order of the history).
const LATEST_CONFLICT = `on conflict (run_id, key) do update set value = excluded.value, ts = excluded.ts, step = excluded.step, is_nan = excluded.is_nan
  where (excluded.step, excluded.ts, excluded.value) > (tracking_latest_metrics.step, tracking_latest_metrics.ts, tracking_latest_metrics.value)`

const sqliteText = new Map<string, string>()

/**
 * Gates an insert on the run being active: the run check folded into the write (one statement
 * instead of two). The run id is the statement's last parameter.
 */
export const ACTIVE_RUN = (param: string) =>
  `where exists (select 1 from tracking_runs where run_id = ${param} and lifecycle_stage = 'active')`

/**
 * Postgres: the insert of metric rows as one `unnest` of six array parameters, numbered from
 * `$first` — the same text and plan for every size. `gated`: the rows go in only when their run
 * (parameter `$first + 6`) is active ({@link ACTIVE_RUN}).
 */
function pgInsertText(table: string, conflict: string, gated: boolean, first: number): string {
  const arrays = PG_TYPES.map((t, i) => `$${first + i}::${t}[]`).join(', ')
  const gate = gated ? ` ${ACTIVE_RUN(`$${first + PG_TYPES.length}`)}` : ''
  return `insert into ${table} (${COLUMNS.join(', ')}) select * from unnest(${arrays})${gate} ${conflict}`
}

/**
 * Postgres: the gated history insert and latest-value upsert of {@link insertMetricHistory} and
 * {@link upsertLatestMetrics}, with parameters numbered from `$first` (seven each: six column
 * arrays, then the run id), to compose into one statement.
 */
export const pgMetricWriteText = (target: 'history' | 'latest', first: number): string =>
  target === 'history'
    ? pgInsertText('tracking_metrics', HISTORY_CONFLICT, true, first)
    : pgInsertText('tracking_latest_metrics', LATEST_CONFLICT, true, first)

/**
 * The SQL of one multi-row insert of `count` metric rows. SQLite: `values (?, …), …` — the text
 * depends only on the row count, so the driver's statement cache prepares it once per size.
 * Postgres: {@link pgInsertText}.
 * `gated`: the rows go in only when their run is active ({@link ACTIVE_RUN}).
 */
function insertText(
  dialect: MetadataDialect,
  table: string,
  conflict: string,
  count: number,
  gated: boolean,
): string {
  if (dialect === 'postgres') return pgInsertText(table, conflict, gated, 1)
  const columns = COLUMNS.join(', ')
  const cacheKey = `${table}/${count}/${gated}`
  let text = sqliteText.get(cacheKey)
  if (text === undefined) {
    const row = `(${COLUMNS.map(() => '?').join(', ')})`
    const values = `values ${Array.from({ length: count }, () => row).join(', ')}`
    // A gated insert selects from its values, so the `where` can follow (`where` also keeps
    // SQLite's parser from reading `on conflict` as a join constraint).
    text = gated
      ? `insert into ${table} (${columns}) select * from (${values}) ${ACTIVE_RUN('?')} ${conflict}`
      : `insert into ${table} (${columns}) ${values} ${conflict}`
    if (sqliteText.size > 2000) sqliteText.clear()
    sqliteText.set(cacheKey, text)
  }
  return text
}

/** The statement parameters of metric rows: six column arrays (Postgres) or row by row (SQLite). */
export function parameters(dialect: MetadataDialect, rows: readonly MetricValueRow[]): unknown[] {
  if (dialect === 'postgres') return COLUMNS.map((c) => rows.map((r) => r[c]))
  const out: unknown[] = new Array(rows.length * COLUMNS.length)
  let i = 0
  for (const r of rows) {
    out[i++] = r.run_id
    out[i++] = r.key
    out[i++] = r.value
    out[i++] = r.ts
    out[i++] = r.step
    out[i++] = r.is_nan
  }
  return out
}

/** The most rows one statement carries (6 parameters a row stays far below SQLite's 32,766). */
const MAX_ROWS = 1000

async function insertRows(
  trx: TrackingDb,
  dialect: MetadataDialect,
  table: string,
  conflict: string,
  rows: readonly MetricValueRow[],
  activeRunId?: string,
): Promise<number> {
  let inserted = 0
  for (let i = 0; i < rows.length; i += MAX_ROWS) {
    const part = rows.slice(i, i + MAX_ROWS)
    const params = parameters(dialect, part)
    if (activeRunId !== undefined) params.push(activeRunId)
    const text = insertText(dialect, table, conflict, part.length, activeRunId !== undefined)
    const res = await trx.executeQuery(CompiledQuery.raw(text, params))
    inserted += Number(res.numAffectedRows ?? 0)
  }
  return inserted
}

/**
 * Appends metric values of run `runId` to `tracking_metrics` with one multi-row statement per
 * 1,000 values, only if the run is active (the run check folded into the insert); an exact
 * duplicate (same run, key, step, timestamp and value) is ignored, so retries are safe.
 * Resolves the number of rows inserted: fewer than given means duplicates or a run that is not
 * active — the caller then checks the run (`requireActiveRunRow`) for the error.
 */
export function insertMetricHistory(
  trx: TrackingDb,
  dialect: MetadataDialect,
  runId: string,
  rows: readonly MetricValueRow[],
): Promise<number> {
  return insertRows(trx, dialect, 'tracking_metrics', HISTORY_CONFLICT, rows, runId)
}

/**
 * Upserts the latest value per key into `tracking_latest_metrics`, replacing a stored value only
 * when the new one comes later (higher step, then timestamp, then value). `rows` must hold at
 * most one row per (run, key), sorted by key so concurrent writers lock rows in one order.
 */
export async function upsertLatestMetrics(
  trx: TrackingDb,
  dialect: MetadataDialect,
  rows: readonly MetricValueRow[],
): Promise<void> {
  await insertRows(trx, dialect, 'tracking_latest_metrics', LATEST_CONFLICT, rows)
}
