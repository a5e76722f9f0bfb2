import { type SqlBool, sql } from 'kysely'
import { StrataError } from '../core/errors.js'
import { resolvePageSize } from '../db/index.js'
import { BUCKET_WIDTHS, bucketOf } from './metric-buckets.js'
import { loadedValue, requireRunRow, type TrackingDb } from './tracking-context.js'
import type { Metric, Page } from './tracking-types.js'
import { TRACKING_LIMITS, validateKey } from './tracking-validation.js'

type Point = { key: string; value: number; ts: number; step: number; is_nan: number }

const toMetric = (r: Point): Metric => ({
  key: r.key,
  value: loadedValue(r),
  timestamp: Number(r.ts),
  step: Number(r.step),
})

/** A history page token: the position after the page's last point (base64 JSON). */
function encodeAfter(r: Point): string {
  return Buffer.from(
    JSON.stringify({ after: [Number(r.step), Number(r.ts), Number(r.value), Number(r.is_nan)] }),
  ).toString('base64')
}

function decodeAfter(token: string): { after?: [number, number, number, number]; offset?: number } {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'))
  } catch {
    parsed = undefined
  }
  const p = parsed as { after?: unknown; offset?: unknown } | undefined
  if (Array.isArray(p?.after) && p.after.length === 4 && p.after.every((x) => typeof x === 'number'))
    return { after: p.after as [number, number, number, number] }
  // Offset tokens (earlier servers) still page.
  if (typeof p?.offset === 'number' && Number.isSafeInteger(p.offset) && p.offset >= 0)
    return { offset: p.offset }
  throw new StrataError(
    'INVALID_ARGUMENT',
    `invalid page token ${JSON.stringify(token)}; pass the next_page_token of the previous page unchanged`,
    { details: { pageToken: token } },
  )
}

/**
 * One page of a metric's history in the order step, timestamp, value (NaN last among equal
 * values). Pages continue after the previous page's last point (a keyset cursor), so page 40
 * of a 1,000,000-point history costs what page 1 does. Without `maxResults` the whole history
 * comes back in one page; with it, pages hold at most 25,000 values.
 */
export async function metricHistoryPage(
  db: TrackingDb,
  runId: string,
  key: string,
  options: { maxResults?: number; pageToken?: string },
): Promise<Page<Metric>> {
  const cap = TRACKING_LIMITS.metricHistoryMaxResults
  const max =
    options.maxResults === undefined
      ? 2 ** 53 - 2
      : resolvePageSize(Math.min(options.maxResults, cap), { default: cap, max: cap })
  const position = options.pageToken ? decodeAfter(options.pageToken) : {}
  let q = db
    .selectFrom('tracking_metrics')
    .select(['key', 'value', 'ts', 'step', 'is_nan'])
    .where('run_id', '=', runId)
    .where('key', '=', key)
  if (position.after !== undefined) {
    const [step, ts, value, isNan] = position.after
    q = q.where(sql<SqlBool>`(step, ts, value, is_nan) > (${step}, ${ts}, ${value}, ${isNan})`)
  }
  const rows = await q
    .orderBy('step')
    .orderBy('ts')
    .orderBy('value')
    .orderBy('is_nan')
    .limit(max + 1)
    .offset(position.offset ?? 0)
    .execute()
  const items = rows.slice(0, max).map(toMetric)
  const last = rows[max - 1]
  return rows.length > max && last !== undefined ? { items, nextPageToken: encodeAfter(last) } : { items }
}

/** Options of {@link downsampledHistory}. */
export interface DownsampleOptions {
  /** At most this many points per run (default and maximum 2,500, as MLflow). */
  maxResults?: number
  /** Only points with `startStep <= step <= endStep` (both or neither). */
  startStep?: number
  /** See {@link DownsampleOptions.startStep}. */
  endStep?: number
}

/** The most points {@link downsampledHistory} returns per run. */
export const DOWNSAMPLE_MAX_RESULTS = 2500

/**
 * A metric's history reduced to at most `maxResults` points per run, for charts: a history
 * that fits is returned whole; a longer one keeps its first and last points and, for each of
 * `(maxResults - 2) / 2` equal spans of steps, the point with the lowest and the one with the
 * highest value — so spikes and dips survive. Reads per-bucket extremes kept at write time
 * (`tracking_metric_buckets`), not the points, so 1,000,000 points cost ~1,000 rows. NaN
 * values appear only where the history is returned whole. Points are ordered by step.
 */
export async function downsampledHistory(
  db: TrackingDb,
  runId: string,
  key: string,
  options: DownsampleOptions = {},
): Promise<Metric[]> {
  const n = options.maxResults ?? DOWNSAMPLE_MAX_RESULTS
  const { startStep, endStep } = options
  let range = db
    .selectFrom('tracking_metrics')
    .select(['key', 'value', 'ts', 'step', 'is_nan'])
    .where('run_id', '=', runId)
    .where('key', '=', key)
  if (startStep !== undefined && endStep !== undefined)
    range = range.where('step', '>=', startStep).where('step', '<=', endStep)
  const ordered = range.orderBy('step').orderBy('ts').orderBy('value').orderBy('is_nan')
  // Whether more than n points exist, without reading them.
  const beyond = await ordered.limit(1).offset(n).execute()
  if (beyond.length === 0 || n < 4) return (await ordered.limit(n).execute()).map(toMetric)
  const first = (await ordered.limit(1).executeTakeFirst()) as Point
  const last = (await range
    .orderBy('step', 'desc')
    .orderBy('ts', 'desc')
    .orderBy('value', 'desc')
    .orderBy('is_nan', 'desc')
    .limit(1)
    .executeTakeFirst()) as Point
  const lo = Number(first.step)
  const hi = Number(last.step)
  const groups = Math.floor((n - 2) / 2)
  type Extreme = { step: number; ts: number; value: number }
  const picked: { lo?: Extreme; hi?: Extreme }[] = Array.from({ length: groups }, () => ({}))
  const add = (e: Extreme, g: number) => {
    if (e.step < lo || e.step > hi) return
    const group = picked[Math.min(groups - 1, g)]
    if (group === undefined) return
    if (group.lo === undefined || e.value < group.lo.value) group.lo = e
    if (group.hi === undefined || e.value > group.hi.value) group.hi = e
  }
  const fine = BUCKET_WIDTHS[0]
  if ((hi - lo + 1) / fine < groups) {
    // A short span of steps: even the fine buckets are wider than a group, so read the points.
    const points = await range.where('is_nan', '=', 0).execute()
    for (const p of points) {
      const e = { step: Number(p.step), ts: Number(p.ts), value: Number(p.value) }
      add(e, Math.floor(((e.step - lo) * groups) / (hi - lo + 1)))
    }
  } else {
    // The finest buckets of which at most ~20 per group are read.
    const width = BUCKET_WIDTHS.find((w) => (hi - lo) / w <= 20 * groups) ?? (BUCKET_WIDTHS.at(-1) as number)
    const loBucket = bucketOf(lo, width)
    const hiBucket = bucketOf(hi, width)
    const span = hiBucket - loBucket + 1
    const groupOf = (step: number) => Math.floor(((bucketOf(step, width) - loBucket) * groups) / span)
    const buckets = await db
      .selectFrom('tracking_metric_buckets')
      .select(['bucket', 'min_step', 'min_ts', 'min_value', 'max_step', 'max_ts', 'max_value'])
      .where('run_id', '=', runId)
      .where('key', '=', key)
      .where('width', '=', width)
      .where('bucket', '>=', loBucket)
      .where('bucket', '<=', hiBucket)
      .orderBy('bucket')
      .execute()
    const edge = new Set([loBucket, hiBucket])
    for (const b of buckets) {
      // A bucket cut by the step range is recomputed from its points below.
      if (startStep !== undefined && edge.has(Number(b.bucket))) continue
      for (const e of [
        { step: Number(b.min_step), ts: Number(b.min_ts), value: Number(b.min_value) },
        { step: Number(b.max_step), ts: Number(b.max_ts), value: Number(b.max_value) },
      ])
        add(e, groupOf(e.step))
    }
    if (startStep !== undefined) {
      for (const bucket of edge) {
        const points = await range
          .where('step', '>=', bucket * width)
          .where('step', '<', (bucket + 1) * width)
          .where('is_nan', '=', 0)
          .execute()
        for (const p of points) {
          const e = { step: Number(p.step), ts: Number(p.ts), value: Number(p.value) }
          add(e, groupOf(e.step))
        }
      }
    }
  }
  const out = new Map<string, Metric>()
  const put = (m: Metric) => out.set(`${m.step}\u0000${m.timestamp}\u0000${m.value}`, m)
  put(toMetric(first))
  for (const g of picked) {
    for (const e of [g.lo, g.hi])
      if (e !== undefined) put({ key, value: e.value, timestamp: e.ts, step: e.step })
  }
  put(toMetric(last))
  return [...out.values()].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp || a.value - b.value)
}

/**
 * The downsampled history ({@link downsampledHistory}) of one metric of each of 1 to 100 runs,
 * after checking the arguments the way MLflow's `metrics/get-history-bulk-interval` does; every
 * run must exist.
 */
export async function downsampledRunsHistory(
  db: TrackingDb,
  runIds: readonly string[],
  key: string,
  options: DownsampleOptions,
): Promise<(Metric & { runId: string })[]> {
  if (runIds.length === 0 || runIds.length > 100) {
    throw new StrataError('INVALID_ARGUMENT', `give 1 to 100 run ids, got ${runIds.length}`, {
      details: { runIds: runIds.length },
    })
  }
  validateKey('metric', key)
  const max = options.maxResults ?? DOWNSAMPLE_MAX_RESULTS
  if (!Number.isSafeInteger(max) || max < 1 || max > DOWNSAMPLE_MAX_RESULTS) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `max_results must be between 1 and ${DOWNSAMPLE_MAX_RESULTS}, got ${max}`,
      { details: { maxResults: max } },
    )
  }
  const { startStep, endStep } = options
  if ((startStep === undefined) !== (endStep === undefined)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      // MLflow's wording (its UI and users match on it).
      'If either start step or end step are specified, both must be specified.',
      { details: startStep === undefined ? { endStep } : { startStep } },
    )
  }
  if (startStep !== undefined && endStep !== undefined && startStep > endStep) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`,
    )
  }
  const out: (Metric & { runId: string })[] = []
  for (const runId of new Set(runIds)) {
    await requireRunRow(db, runId)
    const points = await downsampledHistory(db, runId, key, { ...options, maxResults: max })
    for (const p of points) out.push({ ...p, runId })
  }
  return out
}
