import { StrataError } from '../core/errors.js'
import { type MetadataDialect, writeTransaction } from '../db/index.js'
import { upsertBuckets } from './metric-buckets.js'
import { insertMetricHistory, type MetricValueRow, upsertLatestMetrics } from './metric-writes.js'
import { writeMetricsInOneStatement } from './metric-writes-postgres.js'
import { insertParams, renameRun, storedParams, upsertTags } from './run-write-statements.js'
import {
  chunks,
  dbCall,
  requireActiveRunRow,
  storedValue,
  type TrackingContext,
  type TrackingDb,
} from './tracking-context.js'
import type { MetricRow } from './tracking-migrations.js'
import { type MetricInput, RUN_NAME_TAG } from './tracking-types.js'
import {
  TRACKING_LIMITS,
  truncatedValue,
  validateKey,
  validateMetric,
  validateRunId,
} from './tracking-validation.js'

/** A key/value pair (params, tags). */
export interface KeyValue {
  key: string
  value: string
}

/** What one {@link logBatch} call writes. */
export interface LogBatchInput {
  metrics?: readonly MetricInput[]
  params?: readonly KeyValue[]
  tags?: readonly KeyValue[]
}

const byKey = (a: readonly [string, ...unknown[]], b: readonly [string, ...unknown[]]) =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0

type NormalizedMetric = MetricRow & {
  run_id: string
  modelId?: string
  datasetName?: string
  datasetDigest?: string
}

function checkLimits(batch: LogBatchInput): void {
  const m = batch.metrics?.length ?? 0
  const p = batch.params?.length ?? 0
  const t = batch.tags?.length ?? 0
  const L = TRACKING_LIMITS
  const over = (what: string, n: number, max: number) =>
    new StrataError(
      'INVALID_ARGUMENT',
      `a batch may hold at most ${max} ${what}, got ${n}; split it into several batches`,
      { details: { [what]: n, max } },
    )
  if (m > L.batchMetrics) throw over('metrics', m, L.batchMetrics)
  if (p > L.batchParams) throw over('params', p, L.batchParams)
  if (t > L.batchTags) throw over('tags', t, L.batchTags)
  if (m + p + t > L.batchTotal) throw over('metrics, params and tags in total', m + p + t, L.batchTotal)
}

/** Validates params and folds repeats; a key given twice with different values is an error. */
function normalizeParams(runId: string, params: readonly KeyValue[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const { key, value: given } of params) {
    validateKey('param', key)
    const value = truncatedValue('param', key, given, TRACKING_LIMITS.paramValueLength)
    const prev = out.get(key)
    if (prev !== undefined && prev !== value) throw paramChanged(runId, key, prev, value)
    out.set(key, value)
  }
  return out
}

/** The error for re-logging a param with a new value (MLflow's `INVALID_PARAMETER_VALUE`). */
export function paramChanged(runId: string, key: string, oldValue: string, newValue: string): StrataError {
  return new StrataError(
    'INVALID_ARGUMENT',
    `changing param values is not allowed: param "${key}" of run "${runId}" was already logged with value "${oldValue}"; attempted new value "${newValue}". Log it under another key, or start a new run`,
    { details: { runId, key, oldValue, newValue } },
  )
}

/**
 * Writes metrics, params and tags to a run in one transaction: either everything lands or
 * nothing does. Metrics go in with one multi-row insert per batch ({@link insertMetricHistory};
 * exact duplicates are ignored, so retries are safe) and `tracking_latest_metrics` keeps the latest value per key (highest step, then
 * timestamp, then value) for search and ordering. Params are immutable: a key re-logged with
 * another value fails with `INVALID_ARGUMENT` naming the key and both values; the same value
 * is accepted. Tags are overwritten; setting `mlflow.runName` renames the run.
 */
export async function logBatch(ctx: TrackingContext, runId: string, batch: LogBatchInput): Promise<void> {
  checkLimits(batch)
  const now = ctx.now()
  const params = normalizeParams(runId, batch.params ?? [])
  const tags = new Map<string, string>()
  for (const { key, value } of batch.tags ?? []) {
    validateKey('tag', key)
    tags.set(key, truncatedValue('tag', key, value, TRACKING_LIMITS.runTagValueLength))
  }
  const metrics: NormalizedMetric[] = (batch.metrics ?? []).map((m) => {
    validateKey('metric', m.key)
    const ts = m.timestamp ?? now
    const step = m.step ?? 0
    validateMetric(m.key, m.value, ts, step)
    return {
      run_id: runId,
      key: m.key,
      ts,
      step,
      ...storedValue(m.value),
      ...(m.modelId === undefined ? {} : { modelId: m.modelId }),
      ...(m.datasetName === undefined ? {} : { datasetName: m.datasetName }),
      ...(m.datasetDigest === undefined ? {} : { datasetDigest: m.datasetDigest }),
    }
  })
  validateRunId(runId)
  const metricsOnly =
    metrics.length > 0 &&
    params.size === 0 &&
    tags.size === 0 &&
    metrics.every((m) => m.modelId === undefined)
  if (ctx.dialect === 'postgres' && metricsOnly) {
    // log_metric and metric-only log_batch on Postgres: one statement, one round trip
    await dbCall(`run "${runId}" data`, () => writeMetricsAtOnce(ctx.db, runId, metrics))
    return
  }
  await dbCall(`run "${runId}" data`, () =>
    writeTransaction(ctx.db, async (trx) => {
      // With metrics, the run check rides on their insert (see writeMetrics).
      if (metrics.length > 0) await writeMetrics(trx, ctx.dialect, runId, metrics)
      else await requireActiveRunRow(trx, runId)
      if (params.size > 0) await writeParams(trx, runId, params)
      if (tags.size > 0) await writeTags(trx, runId, tags)
    }),
  )
}

async function writeParams(trx: TrackingDb, runId: string, params: Map<string, string>): Promise<void> {
  const input = { runId, rows: [...params].sort(byKey) }
  await insertParams(input.rows.length).execute(trx, input)
  // Read back after inserting: a concurrent writer's value is visible here, so no race slips through.
  const { rows: stored } = await storedParams(input.rows.length).execute(trx, input)
  for (const row of stored) {
    const wanted = params.get(row.key)
    if (wanted !== undefined && wanted !== row.value) throw paramChanged(runId, row.key, row.value, wanted)
  }
}

/**
 * Writes the metrics of an active run. The run check rides on the history insert (one
 * statement less per log_metric): its rows land only when the run is active, and only when
 * fewer than all landed (exact duplicates, or a run missing or deleted) is the run read, for
 * its error.
 */
async function writeMetrics(
  trx: TrackingDb,
  dialect: MetadataDialect,
  runId: string,
  metrics: NormalizedMetric[],
): Promise<void> {
  const plain = plainRows(metrics)
  if ((await insertMetricHistory(trx, dialect, runId, plain)) < plain.length)
    await requireActiveRunRow(trx, runId)
  await upsertBuckets(trx, dialect, plain)
  await upsertLatestMetrics(trx, dialect, latestPerKey(plain))
  const forModels = metrics.filter((m) => m.modelId !== undefined)
  if (forModels.length > 0) await writeModelMetrics(trx, forModels)
}

/** {@link writeMetrics} on Postgres for metrics of no logged model: one statement, no transaction. */
async function writeMetricsAtOnce(db: TrackingDb, runId: string, metrics: NormalizedMetric[]): Promise<void> {
  const plain = plainRows(metrics)
  if ((await writeMetricsInOneStatement(db, runId, plain, latestPerKey(plain))) < plain.length)
    await requireActiveRunRow(db, runId)
}

const plainRows = (metrics: NormalizedMetric[]): MetricValueRow[] =>
  metrics.map(({ run_id, key, value, ts, step, is_nan }) => ({ run_id, key, value, ts, step, is_nan }))

/** The latest value of each key in a batch (highest step, then timestamp, then value), sorted by key. */
function latestPerKey(plain: readonly MetricValueRow[]): MetricValueRow[] {
  const latest = new Map<string, MetricValueRow>()
  for (const m of plain) {
    const prev = latest.get(m.key)
    if (
      !prev ||
      m.step > prev.step ||
      (m.step === prev.step && (m.ts > prev.ts || (m.ts === prev.ts && m.value > prev.value)))
    ) {
      latest.set(m.key, m)
    }
  }
  // Sorted keys: concurrent batches on one run lock rows in the same order (no deadlock).
  return [...latest.values()].sort((a, b) => byKey([a.key], [b.key]))
}

async function writeModelMetrics(trx: TrackingDb, metrics: NormalizedMetric[]): Promise<void> {
  const ids = [...new Set(metrics.map((m) => m.modelId as string))]
  const known = new Set(
    (
      await trx.selectFrom('tracking_logged_models').select('model_id').where('model_id', 'in', ids).execute()
    ).map((r) => r.model_id),
  )
  const missing = ids.find((id) => !known.has(id))
  if (missing !== undefined) {
    throw new StrataError('NOT_FOUND', `logged model "${missing}" does not exist`, {
      details: { modelId: missing },
    })
  }
  for (const part of chunks(metrics)) {
    await trx
      .insertInto('tracking_logged_model_metrics')
      .values(
        part.map((m) => ({
          model_id: m.modelId as string,
          key: m.key,
          value: m.value,
          ts: m.ts,
          step: m.step,
          is_nan: m.is_nan,
          run_id: m.run_id,
          dataset_name: m.datasetName ?? null,
          dataset_digest: m.datasetDigest ?? null,
        })),
      )
      .execute()
  }
}

async function writeTags(trx: TrackingDb, runId: string, tags: Map<string, string>): Promise<void> {
  const input = { runId, rows: [...tags].sort(byKey) }
  await upsertTags(input.rows.length).execute(trx, input)
  const name = tags.get(RUN_NAME_TAG)
  if (name !== undefined) await renameRun().execute(trx, { runId, name })
}
