import type { Kysely } from 'kysely'
import { StrataError } from '../core/errors.js'
import { parseNodeId } from '../data/lineage/index.js'
import { writeTransaction } from '../db/index.js'
import { dbCall, requireActiveRunRow, type TrackingContext, type TrackingDb } from './tracking-context.js'
import { newDatasetId } from './tracking-ids.js'
import { DATASET_CONTEXT_TAG, type DatasetInput, type ModelIo } from './tracking-types.js'

const DATASET_LIMITS = {
  name: 500,
  digest: 64,
  sourceType: 64,
  source: 65_535,
  schema: 1_048_575,
  profile: 16_384,
}

function checkDataset(input: DatasetInput): void {
  const d = input.dataset
  const fields: [string, unknown, number][] = [
    ['name', d.name, DATASET_LIMITS.name],
    ['digest', d.digest, DATASET_LIMITS.digest],
    ['source_type', d.sourceType, DATASET_LIMITS.sourceType],
    ['source', d.source, DATASET_LIMITS.source],
  ]
  if (d.schema !== undefined) fields.push(['schema', d.schema, DATASET_LIMITS.schema])
  if (d.profile !== undefined) fields.push(['profile', d.profile, DATASET_LIMITS.profile])
  for (const [field, value, max] of fields) {
    const required = field !== 'schema' && field !== 'profile'
    if (typeof value !== 'string' || (required && value === '') || value.length > max) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `dataset ${field} ${JSON.stringify(typeof value === 'string' ? value.slice(0, 80) : value)} is invalid; expected a${required ? ' non-empty' : ''} string of at most ${max} characters`,
        { details: { field } },
      )
    }
  }
}

/** Finds or creates the dataset row of (experiment, name, digest) and links it to the run. */
async function linkDataset(
  trx: TrackingDb,
  experimentId: string,
  runId: string,
  input: DatasetInput,
): Promise<void> {
  const d = input.dataset
  const find = () =>
    trx
      .selectFrom('tracking_datasets')
      .select('dataset_id')
      .where('experiment_id', '=', experimentId)
      .where('name', '=', d.name)
      .where('digest', '=', d.digest)
      .executeTakeFirst()
  let row = await find()
  if (!row) {
    await trx
      .insertInto('tracking_datasets')
      .values({
        dataset_id: newDatasetId(),
        experiment_id: experimentId,
        name: d.name,
        digest: d.digest,
        source_type: d.sourceType,
        source: d.source,
        dataset_schema: d.schema ?? null,
        dataset_profile: d.profile ?? null,
      })
      .onConflict((oc) => oc.columns(['experiment_id', 'name', 'digest']).doNothing())
      .execute()
    row = await find()
  }
  if (!row) throw new StrataError('INTERNAL', `dataset "${d.name}" (${d.digest}) vanished while being linked`)
  await trx
    .insertInto('tracking_run_inputs')
    .values({
      run_id: runId,
      dataset_id: row.dataset_id,
      context: input.tags[DATASET_CONTEXT_TAG] ?? null,
      tags: JSON.stringify(input.tags),
    })
    .onConflict((oc) => oc.columns(['run_id', 'dataset_id']).doNothing())
    .execute()
}

async function linkModels(
  trx: TrackingDb,
  runId: string,
  models: readonly ModelIo[],
  direction: 'input' | 'output',
): Promise<void> {
  if (models.length === 0) return
  const ids = [...new Set(models.map((m) => m.modelId))]
  const known = await trx
    .selectFrom('tracking_logged_models')
    .select('model_id')
    .where('model_id', 'in', ids)
    .execute()
  const missing = ids.find((id) => !known.some((k) => k.model_id === id))
  if (missing !== undefined) {
    throw new StrataError('NOT_FOUND', `logged model "${missing}" does not exist`, {
      details: { modelId: missing },
    })
  }
  await trx
    .insertInto('tracking_run_models')
    .values(models.map((m) => ({ run_id: runId, model_id: m.modelId, direction, step: m.step ?? null })))
    .onConflict((oc) => oc.columns(['run_id', 'model_id', 'direction']).doNothing())
    .execute()
}

/** Records datasets and logged models a run consumed (MLflow `runs/log-inputs`); idempotent. */
export async function logInputs(
  ctx: TrackingContext,
  runId: string,
  inputs: { datasets?: readonly DatasetInput[]; models?: readonly ModelIo[] },
): Promise<void> {
  for (const d of inputs.datasets ?? []) checkDataset(d)
  await dbCall(`inputs of run "${runId}"`, () =>
    writeTransaction(ctx.db, async (trx) => {
      const run = await requireActiveRunRow(trx, runId)
      for (const d of inputs.datasets ?? []) await linkDataset(trx, run.experiment_id, runId, d)
      await linkModels(trx, runId, inputs.models ?? [], 'input')
    }),
  )
}

/** Records logged models a run produced, with the step (MLflow `runs/outputs`); idempotent. */
export async function logOutputs(
  ctx: TrackingContext,
  runId: string,
  models: readonly ModelIo[],
): Promise<void> {
  await dbCall(`outputs of run "${runId}"`, () =>
    writeTransaction(ctx.db, async (trx) => {
      await requireActiveRunRow(trx, runId)
      await linkModels(trx, runId, models, 'output')
    }),
  )
}

/** Options of {@link logLineageInput}. */
export interface LineageInputOptions {
  /** The input's role, stored as the `mlflow.data.context` tag: `training`, `evaluation`, … */
  context?: string
  /** The lineage activity of the edge (default `train`). */
  activity?: string
}

/**
 * Records that a run consumed a Strata artifact, e.g. `dataset-commit:<id>` or
 * `training-set:<id>`: a lineage edge `<nodeId> → run:<runId>` and a dataset input on the run
 * (name = the node id, source type `strata`), in one transaction.
 */
export async function logLineageInput(
  ctx: TrackingContext,
  runId: string,
  nodeId: string,
  options: LineageInputOptions = {},
): Promise<void> {
  const { key } = parseNodeId(nodeId)
  await dbCall(`input "${nodeId}" of run "${runId}"`, () =>
    writeTransaction(ctx.db, async (trx) => {
      const run = await requireActiveRunRow(trx, runId)
      await ctx.lineage.record(
        {
          inputs: [nodeId],
          output: { id: `run:${runId}`, label: run.run_name },
          activity: options.activity ?? 'train',
        },
        trx as unknown as Kysely<object>,
      )
      const tags = options.context === undefined ? {} : { [DATASET_CONTEXT_TAG]: options.context }
      await linkDataset(trx, run.experiment_id, runId, {
        dataset: {
          name: nodeId,
          digest: key.slice(0, DATASET_LIMITS.digest),
          sourceType: 'strata',
          source: nodeId,
        },
        tags,
      })
    }),
  )
}

/** One distinct dataset use in an experiment (MLflow's `DatasetSummary`). */
export interface DatasetSummary {
  /** The experiment whose runs consumed the dataset. */
  experimentId: string
  /** The dataset's name. */
  name: string
  /** The dataset's digest (its content hash, as the client computed it). */
  digest: string
  /** The `mlflow.data.context` tag of the run input (`training`, …), or `null`. */
  context: string | null
}

/** The most summaries {@link datasetSummaries} returns (MLflow's server caps at 1,000 too). */
export const MAX_DATASET_SUMMARIES = 1000

/**
 * The distinct (experiment, dataset name, digest, context) of the datasets runs of
 * `experimentIds` consumed, for the MLflow UI's dataset filter (`experiments/search-datasets`);
 * ordered by experiment, name, digest and context; at most {@link MAX_DATASET_SUMMARIES}.
 */
export async function datasetSummaries(
  ctx: TrackingContext,
  experimentIds: readonly string[],
): Promise<DatasetSummary[]> {
  if (experimentIds.length === 0) return []
  const rows = await ctx.db
    .selectFrom('tracking_datasets as d')
    .innerJoin('tracking_run_inputs as i', 'i.dataset_id', 'd.dataset_id')
    .select(['d.experiment_id', 'd.name', 'd.digest', 'i.context'])
    .distinct()
    .where('d.experiment_id', 'in', [...experimentIds])
    .orderBy('d.experiment_id')
    .orderBy('d.name')
    .orderBy('d.digest')
    .orderBy('i.context')
    .limit(MAX_DATASET_SUMMARIES)
    .execute()
  return rows.map((r) => ({
    experimentId: r.experiment_id,
    name: r.name,
    digest: r.digest,
    context: r.context,
  }))
}
