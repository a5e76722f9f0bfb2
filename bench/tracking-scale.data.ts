/**
 * The data set of `bench/tracking-scale.bench.ts`, written straight into the tables (logging
 * 100,000 runs through an API would take hours on either server): one experiment of `runs`
 * runs, `smallExperiments` more experiments of `smallRuns` runs, each run with `metrics`
 * latest metric values, `params` params and the `mlflow.runName` and `mlflow.user` tags, and
 * one run whose metric `loss` has `historyPoints` values. Deterministic (seeded), and the same
 * rows go into Strata's tables and into MLflow's (`runs`, `latest_metrics`, `params`, `tags`,
 * `metrics`), so both servers answer the same searches over the same data.
 */
import { BUCKET_COLUMNS, BUCKET_WIDTHS, bucketRows } from '../src/tracking/metric-buckets.js'
import { createRng } from '../src/training/random.js'

/** Sizes of the data set. */
export interface ScaleShape {
  runs: number
  smallExperiments: number
  smallRuns: number
  metrics: number
  params: number
  historyPoints: number
}

/** One table's rows in column order, inserted in chunks. */
export interface RowSink {
  insert(table: string, columns: readonly string[], rows: unknown[][]): Promise<void>
}

/** Which schema the rows are written in. */
export type ScaleSchema = 'strata' | 'mlflow'

/** The id of the run holding the long metric history. */
export const HISTORY_RUN_ID = 'f'.repeat(32)
export const BASE_TIME = 1_700_000_000_000

/** Names of the experiments: the big one first. */
export function experimentNames(shape: ScaleShape): string[] {
  return ['scale-big', ...Array.from({ length: shape.smallExperiments }, (_, i) => `scale-small-${i + 1}`)]
}

const runId = (i: number) => i.toString(16).padStart(8, '0').repeat(4)

/**
 * Writes the runs of the experiments `experimentIds` (the big one first, as
 * {@link experimentNames}) and the history run into `sink`.
 */
export async function writeScaleData(
  sink: RowSink,
  schema: ScaleSchema,
  shape: ScaleShape,
  experimentIds: readonly string[],
  progress: (what: string) => void = () => {},
): Promise<void> {
  const rng = createRng(16)
  const CHUNK = 2000
  let n = 0
  const runs: unknown[][] = []
  const latest: unknown[][] = []
  const params: unknown[][] = []
  const tags: unknown[][] = []
  const flush = async () => {
    if (schema === 'strata') {
      await sink.insert('tracking_runs', STRATA_RUN_COLUMNS, runs)
      await sink.insert('tracking_latest_metrics', ['run_id', 'key', 'value', 'ts', 'step', 'is_nan'], latest)
      await sink.insert('tracking_params', ['run_id', 'key', 'value'], params)
      await sink.insert('tracking_tags', ['run_id', 'key', 'value'], tags)
    } else {
      await sink.insert('runs', MLFLOW_RUN_COLUMNS, runs)
      await sink.insert('latest_metrics', ['run_uuid', 'key', 'value', 'timestamp', 'step', 'is_nan'], latest)
      await sink.insert('params', ['run_uuid', 'key', 'value'], params)
      await sink.insert('tags', ['run_uuid', 'key', 'value'], tags)
    }
    runs.length = 0
    latest.length = 0
    params.length = 0
    tags.length = 0
  }
  for (const [e, experimentId] of experimentIds.entries()) {
    const count = e === 0 ? shape.runs : shape.smallRuns
    for (let i = 0; i < count; i++) {
      const id = runId(n)
      const start = BASE_TIME + n * 1000
      const name = `run-${n}`
      n++
      runs.push(
        schema === 'strata'
          ? [
              id,
              experimentId,
              name,
              'bench',
              'FINISHED',
              start,
              start + 500,
              `mlflow-artifacts:/${experimentId}/${id}`,
              'active',
              null,
              0,
            ]
          : [
              id,
              name,
              'UNKNOWN',
              '',
              '',
              'bench',
              'FINISHED',
              start,
              start + 500,
              '',
              'active',
              `mlflow-artifacts:/${experimentId}/${id}`,
              Number(experimentId),
              null,
            ],
      )
      for (let m = 0; m < shape.metrics; m++) latest.push([id, `m${m}`, rng.next(), start + 100, 10, 0])
      for (let p = 0; p < shape.params; p++) params.push([id, `p${p}`, `v${Math.floor(rng.next() * 10)}`])
      tags.push([id, 'mlflow.runName', name], [id, 'mlflow.user', 'bench'])
      if (runs.length >= CHUNK) {
        await flush()
        progress(`runs ${n}`)
      }
    }
  }
  await flush()
  // The history run: in the big experiment, `loss` logged historyPoints times.
  const experimentId = experimentIds[0] as string
  const start = BASE_TIME - 10_000
  runs.push(
    schema === 'strata'
      ? [
          HISTORY_RUN_ID,
          experimentId,
          'history',
          'bench',
          'FINISHED',
          start,
          start + 1,
          `mlflow-artifacts:/${experimentId}/${HISTORY_RUN_ID}`,
          'active',
          null,
          0,
        ]
      : [
          HISTORY_RUN_ID,
          'history',
          'UNKNOWN',
          '',
          '',
          'bench',
          'FINISHED',
          start,
          start + 1,
          '',
          'active',
          `mlflow-artifacts:/${experimentId}/${HISTORY_RUN_ID}`,
          Number(experimentId),
          null,
        ],
  )
  await flush()
  const table = schema === 'strata' ? 'tracking_metrics' : 'metrics'
  const columns =
    schema === 'strata'
      ? ['run_id', 'key', 'value', 'ts', 'step', 'is_nan']
      : ['run_uuid', 'key', 'value', 'timestamp', 'step', 'is_nan']
  let rows: unknown[][] = []
  let last: unknown[] = []
  for (let s = 0; s < shape.historyPoints; s++) {
    // A noisy decreasing curve with rare spikes, so extremes matter when downsampling.
    const spike = rng.next() < 0.0005 ? 5 : 0
    last = [HISTORY_RUN_ID, 'loss', 1 / (1 + s / 1000) + rng.next() * 0.05 + spike, start + s, s, 0]
    rows.push(last)
    // A multiple of every bucket width, so no bucket spans two chunks.
    if (rows.length >= 20 * (BUCKET_WIDTHS.at(-1) as number)) {
      await sink.insert(table, columns, rows)
      if (schema === 'strata') await insertBuckets(sink, rows)
      rows = []
      progress(`history ${s + 1}`)
    }
  }
  await sink.insert(table, columns, rows)
  if (schema === 'strata') await insertBuckets(sink, rows)
  if (last.length > 0) {
    await sink.insert(
      schema === 'strata' ? 'tracking_latest_metrics' : 'latest_metrics',
      schema === 'strata'
        ? ['run_id', 'key', 'value', 'ts', 'step', 'is_nan']
        : ['run_uuid', 'key', 'value', 'timestamp', 'step', 'is_nan'],
      [last],
    )
  }
}

/** Strata keeps per-bucket extremes of each history at write time (`tracking_metric_buckets`). */
async function insertBuckets(sink: RowSink, rows: unknown[][]): Promise<void> {
  const buckets = bucketRows(
    rows.map(([run_id, key, value, ts, step, is_nan]) => ({
      run_id: run_id as string,
      key: key as string,
      value: value as number,
      ts: ts as number,
      step: step as number,
      is_nan: is_nan as number,
    })),
  )
  await sink.insert(
    'tracking_metric_buckets',
    BUCKET_COLUMNS,
    buckets.map((b) => BUCKET_COLUMNS.map((c) => b[c])),
  )
}

const STRATA_RUN_COLUMNS = [
  'run_id',
  'experiment_id',
  'run_name',
  'user_id',
  'status',
  'start_time',
  'end_time',
  'artifact_uri',
  'lifecycle_stage',
  'deleted_time',
  'deleted_with_experiment',
]

const MLFLOW_RUN_COLUMNS = [
  'run_uuid',
  'name',
  'source_type',
  'source_name',
  'entry_point_name',
  'user_id',
  'status',
  'start_time',
  'end_time',
  'source_version',
  'lifecycle_stage',
  'artifact_uri',
  'experiment_id',
  'deleted_time',
]
