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
 * The SQL of one multi-row insert of `count` metric rows. SQLite: `values (?, …), …` — the text
 * depends only on the row count, so the driver's statement cache prepares it once per size.
 * Postgres: one `unnest` of six array parameters — the same text and plan for every size.
 */
function insertText(dialect: MetadataDialect, table: string, conflict: string, count: number): string {
  const columns = COLUMNS.join(', ')
  if (dialect === 'postgres') {
    const arrays = PG_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')
    return `insert into ${table} (${columns}) select * from unnest(${arrays}) ${conflict}`
  }
  const cacheKey = `${table}/${count}`
  let text = sqliteText.get(cacheKey)
  if (text === undefined) {
    const row = `(${COLUMNS.map(() => '?').join(', ')})`
    text = `insert into ${table} (${columns}) values ${Array.from({ length: count }, () => row).join(', ')} ${conflict}`
    if (sqliteText.size > 2000) sqliteText.clear()
    sqliteText.set(cacheKey, text)
  }
  return text
}

function parameters(dialect: MetadataDialect, rows: readonly MetricValueRow[]): unknown[] {
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
): Promise<void> {
  for (let i = 0; i < rows.length; i += MAX_ROWS) {
    const part = rows.slice(i, i + MAX_ROWS)
    await trx.executeQuery(
      CompiledQuery.raw(insertText(dialect, table, conflict, part.length), parameters(dialect, part)),
    )
  }
}

/**
 * Appends metric values to `tracking_metrics` with one multi-row statement per 1,000 values;
 * an exact duplicate (same run, key, step, timestamp and value) is ignored, so retries are safe.
 */
export function insertMetricHistory(
  trx: TrackingDb,
  dialect: MetadataDialect,
  rows: readonly MetricValueRow[],
): Promise<void> {
  return insertRows(trx, dialect, 'tracking_metrics', HISTORY_CONFLICT, rows)
}

/**
 * Upserts the latest value per key into `tracking_latest_metrics`, replacing a stored value only
 * when the new one comes later (higher step, then timestamp, then value). `rows` must hold at
 * most one row per (run, key), sorted by key so concurrent writers lock rows in one order.
 */
export function upsertLatestMetrics(
  trx: TrackingDb,
  dialect: MetadataDialect,
  rows: readonly MetricValueRow[],
): Promise<void> {
  return insertRows(trx, dialect, 'tracking_latest_metrics', LATEST_CONFLICT, rows)
}
