import type { Strata } from '../../src/platform/index.js'
import { newPredictionId, type PredictionEntry } from '../../src/serving/index.js'

/** A logged prediction of deployment `delay` at `at` (epoch ms), for payload-log tests. */
export function predictionAt(at: number, over: Partial<PredictionEntry> = {}): PredictionEntry {
  return {
    id: newPredictionId(at),
    at,
    endpoint: 'delay',
    modelName: 'delay-model',
    modelVersion: 1,
    deploymentRevision: null,
    requestId: null,
    entityKey: null,
    inputs: { x: at },
    outputs: { prediction: [1] },
    latencyMs: 1,
    status: 'ok',
    error: null,
    featureViews: null,
    ...over,
  }
}

/** The prediction ids in the archived segments of the `payload-log` dataset's head (none without one). */
export async function archivedPredictionIds(strata: Strata): Promise<string[]> {
  const repo = await strata.data()
  if (!(await repo.listDatasets()).some((d) => d.name === 'payload-log')) return []
  if ((await repo.log('payload-log')).length === 0) return []
  const files = await repo.files('payload-log', 'main', { prefix: 'segments' })
  const paths = await Promise.all(files.map((f) => repo.localFile('payload-log', 'main', f.path)))
  const engine = await strata.offline()
  const list = paths.map((p) => `'${p}'`).join(', ')
  return (await engine.query(`SELECT prediction_id FROM read_parquet([${list}])`)).rows.map((r) =>
    String(r.prediction_id),
  )
}
