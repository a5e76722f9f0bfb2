import { chunks, groupBy, loadedValue, type TrackingDb, toRunInfo } from './tracking-context.js'
import type { DatasetInput, MetricPoint, ModelIo, Run } from './tracking-types.js'

/**
 * Loads complete runs (info, latest metrics, params, tags, inputs, outputs) for `runIds`, in
 * that order, with one query per table per 500 ids. Unknown ids are skipped.
 */
export async function loadRuns(db: TrackingDb, runIds: readonly string[]): Promise<Run[]> {
  if (runIds.length === 0) return []
  const runs = []
  const params = []
  const tags = []
  const metrics = []
  const inputs = []
  const models = []
  for (const part of chunks([...new Set(runIds)])) {
    runs.push(...(await db.selectFrom('tracking_runs').selectAll().where('run_id', 'in', part).execute()))
    params.push(...(await db.selectFrom('tracking_params').selectAll().where('run_id', 'in', part).execute()))
    tags.push(...(await db.selectFrom('tracking_tags').selectAll().where('run_id', 'in', part).execute()))
    metrics.push(
      ...(await db.selectFrom('tracking_latest_metrics').selectAll().where('run_id', 'in', part).execute()),
    )
    inputs.push(
      ...(await db
        .selectFrom('tracking_run_inputs as i')
        .innerJoin('tracking_datasets as d', 'd.dataset_id', 'i.dataset_id')
        .select([
          'i.run_id',
          'i.tags',
          'd.name',
          'd.digest',
          'd.source_type',
          'd.source',
          'd.dataset_schema',
          'd.dataset_profile',
        ])
        .where('i.run_id', 'in', part)
        .orderBy('d.name')
        .orderBy('d.digest')
        .execute()),
    )
    models.push(
      ...(await db
        .selectFrom('tracking_run_models')
        .selectAll()
        .where('run_id', 'in', part)
        .orderBy('model_id')
        .execute()),
    )
  }
  const byId = new Map(runs.map((r) => [r.run_id, r]))
  const paramsBy = groupBy(params, (p) => p.run_id)
  const tagsBy = groupBy(tags, (t) => t.run_id)
  const metricsBy = groupBy(metrics, (m) => m.run_id)
  const inputsBy = groupBy(inputs, (i) => i.run_id)
  const modelsBy = groupBy(models, (m) => m.run_id)
  const sorted = <T extends { key: string }>(rows: T[] | undefined) =>
    [...(rows ?? [])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const out: Run[] = []
  for (const id of runIds) {
    const row = byId.get(id)
    if (!row) continue
    const datasetInputs: DatasetInput[] = (inputsBy.get(id) ?? []).map((i) => ({
      dataset: {
        name: i.name,
        digest: i.digest,
        sourceType: i.source_type,
        source: i.source,
        ...(i.dataset_schema === null ? {} : { schema: i.dataset_schema }),
        ...(i.dataset_profile === null ? {} : { profile: i.dataset_profile }),
      },
      tags: JSON.parse(i.tags) as Record<string, string>,
    }))
    const io = (direction: string): ModelIo[] =>
      (modelsBy.get(id) ?? [])
        .filter((m) => m.direction === direction)
        .map((m) =>
          m.step === null ? { modelId: m.model_id } : { modelId: m.model_id, step: Number(m.step) },
        )
    out.push({
      info: toRunInfo(row),
      data: {
        metrics: Object.fromEntries(
          sorted(metricsBy.get(id)).map((m): [string, MetricPoint] => [
            m.key,
            { value: loadedValue(m), timestamp: Number(m.ts), step: Number(m.step) },
          ]),
        ),
        params: Object.fromEntries(sorted(paramsBy.get(id)).map((p) => [p.key, p.value])),
        tags: Object.fromEntries(sorted(tagsBy.get(id)).map((t) => [t.key, t.value])),
      },
      inputs: { datasetInputs, modelInputs: io('input') },
      outputs: { modelOutputs: io('output') },
    })
  }
  return out
}
