import { StrataError } from '../core/errors.js'
import type { FeatureStore } from '../features/index.js'
import {
  type EnrichedInputs,
  type EnrichmentPlan,
  enrich,
  entityKeyOf,
  planEnrichment,
  serviceNameOf,
} from './enrichment/index.js'
import {
  type FeatureViewUse,
  newPredictionId,
  type PayloadLog,
  type PredictionEntry,
} from './payload-log/index.js'
import { rowValue } from './row-slice.js'
import type { ServedModel } from './served-model.js'
import type { InferTensor } from './tensor.js'

/**
 * The entity rows behind a request's input tensors (entity-row predictions): the model answers
 * the batch once, and each row is logged as its own prediction with its entity key and features.
 */
export interface EntityRows {
  /** Per row, in input order: its entity key, and the row with the features read for it. */
  rows: { entityKey: Record<string, unknown>; inputs: Record<string, unknown> }[]
  /** The feature view (and on-demand feature) versions the rows were read from. */
  featureViews: FeatureViewUse[]
  /** Epoch ms at which the request arrived. */
  at: number
  /** `performance.now()` at which the request arrived (latency includes reading features). */
  start: number
}

/** Which deployment revision and role answered a request to a routed endpoint. */
export interface DeploymentAnswer {
  /** The deployment revision in force. */
  revision: number
  /** Whether the policy's champion or its candidate answered. */
  role: 'champion' | 'candidate'
  /** The candidate failed and the champion answered instead. */
  fallback: boolean
}

/** The answer to an entity-row prediction (`ModelServer.predict`, `POST /v1/predict/{deployment}`). */
export interface PredictResult {
  modelName: string
  modelVersion: string
  /** Which deployment revision and role answered, when the name is a routed endpoint. */
  deployment?: DeploymentAnswer
  /** The feature view (and on-demand feature) versions the inputs were read from. */
  featureViews: FeatureViewUse[]
  /** One per entity row, in order: its prediction id and each output's value for the row. */
  predictions: { predictionId: string; outputs: Record<string, unknown> }[]
}

/** The payload-log fields of a prediction that failed before it reached a model. */
export type FailedPredictionBase = Pick<
  PredictionEntry,
  'id' | 'at' | 'endpoint' | 'modelName' | 'modelVersion' | 'deploymentRevision' | 'requestId'
>

/**
 * What an entity-row prediction runs on: one deployed version, or a delivery router choosing
 * among several versions by its policy (canary split, A/B, shadow).
 */
export interface PredictTarget {
  /**
   * Every version a request may be answered by, the default one first, each with the feature
   * service its deployment names explicitly (otherwise the version's `feature_service` tag).
   */
  versions: readonly { served: ServedModel; features?: string | undefined }[]
  /** What a request that failed before reaching a model is logged as. */
  failed(at: number, requestId: string | undefined): FailedPredictionBase
  /** Runs the assembled request; the answer has one prediction id per entity row. */
  run(request: { inputs: InferTensor[]; requestId?: string; entityRows: EntityRows }): Promise<{
    modelVersion: string
    deployment?: DeploymentAnswer
    outputs: InferTensor[]
    predictionIds?: string[]
  }>
}

/** What an enrichment plan reads and assembles, to compare the versions of a deployment. */
function planKey(plan: EnrichmentPlan): string {
  const layout =
    plan.layout.kind === 'matrix'
      ? `${plan.layout.input.name}:${plan.layout.input.datatype}[${plan.layout.columns.join(',')}]`
      : plan.layout.inputs.map((i) => `${i.name}:${i.datatype}`).join(',')
  return `feature service "${plan.service.name}" into ${layout}`
}

/** Each loaded version's binding to its feature service, planned on its first prediction. */
export class EnrichmentPlans {
  private readonly plans = new WeakMap<ServedModel, Promise<EnrichmentPlan>>()

  /** The plan of `served` (a failed planning is forgotten, so the next request retries). */
  of(store: FeatureStore, served: ServedModel, explicit: string | undefined): Promise<EnrichmentPlan> {
    const cached = this.plans.get(served)
    if (cached !== undefined) return cached
    const planning = planEnrichment(store, served, serviceNameOf(served, explicit))
    this.plans.set(served, planning)
    planning.catch(() => {
      if (this.plans.get(served) === planning) this.plans.delete(served)
    })
    return planning
  }
}

/** Everything {@link predictEntities} needs besides the rows. */
export interface PredictEntitiesOptions {
  /** The name the request addressed (a deployment or a routed endpoint). */
  name: string
  target: PredictTarget
  store: FeatureStore
  plans: EnrichmentPlans
  payloadLog?: PayloadLog | undefined
  now: () => number
  requestId?: string | undefined
}

/**
 * Predicts for entity rows: reads each row's online features through the target's feature
 * service, assembles the model's inputs, runs them once on the target (a router picks the
 * version by its policy) and returns one prediction per row. Every version a router may choose
 * must read the same features into the same inputs (`FAILED_PRECONDITION` naming both otherwise),
 * so the assembled request is valid whichever version answers. A request that fails while
 * reading features is logged per row as an error before it is rethrown.
 */
export async function predictEntities(
  rows: readonly Readonly<Record<string, unknown>>[],
  options: PredictEntitiesOptions,
): Promise<PredictResult> {
  const { name, target, store, plans } = options
  const [first, ...others] = target.versions
  if (first === undefined) throw new StrataError('UNAVAILABLE', `"${name}" has no version loaded`)
  const plan = await plans.of(store, first.served, first.features)
  for (const other of others) {
    const theirs = await plans.of(store, other.served, other.features)
    if (planKey(theirs) !== planKey(plan)) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `deployment "${name}" serves version ${first.served.version} reading ${planKey(plan)} and version ${other.served.version} reading ${planKey(theirs)}; ` +
          `entity-row predictions need every version of a deployment to read the same features (send tensors to /v2/models/${name}/infer instead)`,
      )
    }
  }
  const at = options.now()
  const start = performance.now()
  let enriched: EnrichedInputs
  try {
    enriched = await enrich(store, plan, rows)
  } catch (err) {
    // a request that never reached the model is logged too: monitoring counts it
    for (const row of rows)
      options.payloadLog?.append({
        ...target.failed(at, options.requestId),
        id: newPredictionId(at),
        entityKey: entityKeyOf(plan, row),
        inputs: row,
        outputs: null,
        latencyMs: performance.now() - start,
        status: 'error',
        error: (err as Error).message,
        featureViews: plan.featureViews,
      })
    throw err
  }
  const entityRows: EntityRows = {
    rows: rows.map((row, r) => ({
      entityKey: entityKeyOf(plan, row),
      inputs: { ...row, ...(enriched.online.rows[r] as Record<string, unknown>) },
    })),
    featureViews: plan.featureViews,
    at,
    start,
  }
  const result = await target.run({
    inputs: enriched.inputs,
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
    entityRows,
  })
  const ids = result.predictionIds
  if (ids === undefined || ids.length !== rows.length) {
    throw new StrataError('INTERNAL', `"${name}" answered without one prediction id per entity row`)
  }
  return {
    modelName: name,
    modelVersion: result.modelVersion,
    ...(result.deployment === undefined ? {} : { deployment: result.deployment }),
    featureViews: plan.featureViews,
    predictions: rows.map((_, r) => {
      const outputs: Record<string, unknown> = {}
      for (const t of result.outputs) outputs[t.name] = rowValue(t, r)
      return { predictionId: ids[r] as string, outputs }
    }),
  }
}
