import { CompiledQuery } from 'kysely'
import type { MetadataDialect } from '../db/index.js'
import type { MetricValueRow } from './metric-writes.js'
import type { TrackingDb } from './tracking-context.js'

/**
 * Bucket widths (in steps) of `tracking_metric_buckets`: per run, key and bucket of steps it
 * keeps the lowest and the highest (non-NaN) value with their step and timestamp, so a chart's
 * downsampled history ({@link downsampleHistory}) reads ~1,000 summary rows instead of 1,000,000
 * points. Two widths: the coarse one for long spans, the fine one for spans under ~500k steps.
 */
export const BUCKET_WIDTHS = [32, 1024] as const

/** The bucket of `step` at `width` (floor division, also for negative steps). */
export function bucketOf(step: number, width: number): number {
  return Math.floor(step / width)
}

/** One summary row: the extremes of one bucket. */
export interface BucketRow {
  run_id: string
  key: string
  width: number
  bucket: number
  min_step: number
  min_ts: number
  min_value: number
  max_step: number
  max_ts: number
  max_value: number
}

/** The columns of `tracking_metric_buckets`, in insert order. */
export const BUCKET_COLUMNS = [
  'run_id',
  'key',
  'width',
  'bucket',
  'min_step',
  'min_ts',
  'min_value',
  'max_step',
  'max_ts',
  'max_value',
] as const
const PG_TYPES = ['varchar', 'varchar', 'int4', 'int8', 'int8', 'int8', 'float8', 'int8', 'int8', 'float8']

// On a tie the earlier point (lower step, then timestamp) stays: the same answer whatever the order of writes.
const T = 'tracking_metric_buckets'
const better = (side: 'min' | 'max') => {
  const cmp = side === 'min' ? '<' : '>'
  return `(excluded.${side}_value ${cmp} ${T}.${side}_value or (excluded.${side}_value = ${T}.${side}_value and (excluded.${side}_step, excluded.${side}_ts) < (${T}.${side}_step, ${T}.${side}_ts)))`
}
const UPSERT = `on conflict (run_id, key, width, bucket) do update set
  min_step = case when ${better('min')} then excluded.min_step else ${T}.min_step end,
  min_ts = case when ${better('min')} then excluded.min_ts else ${T}.min_ts end,
  min_value = case when ${better('min')} then excluded.min_value else ${T}.min_value end,
  max_step = case when ${better('max')} then excluded.max_step else ${T}.max_step end,
  max_ts = case when ${better('max')} then excluded.max_ts else ${T}.max_ts end,
  max_value = case when ${better('max')} then excluded.max_value else ${T}.max_value end
  where ${better('min')} or ${better('max')}`

const sqliteText = new Map<number, string>()

/**
 * Postgres: the upsert of summary rows as one `unnest` of ten array parameters numbered from
 * `$first`; `where` (optional) filters the rows, e.g. on the run being active.
 */
export function pgBucketUpsertText(first = 1, where = ''): string {
  const arrays = PG_TYPES.map((t, i) => `$${first + i}::${t}[]`).join(', ')
  return `insert into ${T} (${BUCKET_COLUMNS.join(', ')}) select * from unnest(${arrays})${where ? ` ${where}` : ''} ${UPSERT}`
}

/** The parameters of {@link pgBucketUpsertText}: one array per column. */
export const pgBucketParameters = (rows: readonly BucketRow[]): unknown[][] =>
  BUCKET_COLUMNS.map((c) => rows.map((r) => r[c]))

function upsertText(dialect: MetadataDialect, count: number): string {
  if (dialect === 'postgres') return pgBucketUpsertText()
  let text = sqliteText.get(count)
  if (text === undefined) {
    const row = `(${BUCKET_COLUMNS.map(() => '?').join(', ')})`
    text = `insert into ${T} (${BUCKET_COLUMNS.join(', ')}) values ${Array.from({ length: count }, () => row).join(', ')} ${UPSERT}`
    if (sqliteText.size > 1000) sqliteText.clear()
    sqliteText.set(count, text)
  }
  return text
}

const earlier = (a: MetricValueRow, b: { step: number; ts: number }) =>
  a.step < b.step || (a.step === b.step && a.ts < b.ts)

/** The summary rows of a batch of metric values: one per run, key, width and bucket (NaN skipped). */
export function bucketRows(rows: readonly MetricValueRow[]): BucketRow[] {
  const only = rows.length === 1 ? rows[0] : undefined
  if (only !== undefined) {
    // One value (log_metric): one row per width, already in order — no map, no ids, no sort.
    if (only.is_nan === 1) return []
    return BUCKET_WIDTHS.map((width) => ({
      run_id: only.run_id,
      key: only.key,
      width,
      bucket: bucketOf(only.step, width),
      min_step: only.step,
      min_ts: only.ts,
      min_value: only.value,
      max_step: only.step,
      max_ts: only.ts,
      max_value: only.value,
    }))
  }
  const out = new Map<string, BucketRow>()
  for (const r of rows) {
    if (r.is_nan === 1) continue
    for (const width of BUCKET_WIDTHS) {
      const bucket = bucketOf(r.step, width)
      const id = `${r.run_id}\u0000${r.key}\u0000${width}\u0000${bucket}`
      const b = out.get(id)
      if (b === undefined) {
        out.set(id, {
          run_id: r.run_id,
          key: r.key,
          width,
          bucket,
          min_step: r.step,
          min_ts: r.ts,
          min_value: r.value,
          max_step: r.step,
          max_ts: r.ts,
          max_value: r.value,
        })
        continue
      }
      if (
        r.value < b.min_value ||
        (r.value === b.min_value && earlier(r, { step: b.min_step, ts: b.min_ts }))
      ) {
        b.min_step = r.step
        b.min_ts = r.ts
        b.min_value = r.value
      }
      if (
        r.value > b.max_value ||
        (r.value === b.max_value && earlier(r, { step: b.max_step, ts: b.max_ts }))
      ) {
        b.max_step = r.step
        b.max_ts = r.ts
        b.max_value = r.value
      }
    }
  }
  // Sorted: concurrent writers lock summary rows in one order.
  return [...out.values()].sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : a.width - b.width || a.bucket - b.bucket,
  )
}

/** Folds a batch's values into `tracking_metric_buckets` (one statement per 1,000 summary rows). */
export async function upsertBuckets(
  trx: TrackingDb,
  dialect: MetadataDialect,
  metrics: readonly MetricValueRow[],
): Promise<void> {
  const rows = bucketRows(metrics)
  for (let i = 0; i < rows.length; i += 1000) {
    const part = rows.slice(i, i + 1000)
    const params = dialect === 'postgres' ? pgBucketParameters(part) : rowMajor(part)
    await trx.executeQuery(CompiledQuery.raw(upsertText(dialect, part.length), params))
  }
}

/** The parameters of SQLite's multi-row upsert, row by row in {@link BUCKET_COLUMNS} order. */
function rowMajor(rows: readonly BucketRow[]): unknown[] {
  const out: unknown[] = new Array(rows.length * BUCKET_COLUMNS.length)
  let i = 0
  for (const r of rows) {
    for (const c of BUCKET_COLUMNS) out[i++] = r[c]
  }
  return out
}
