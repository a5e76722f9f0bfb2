import { StrataError } from '../../core/errors.js'
import type { FeatureService, FeatureStore, OnlineFeatures } from '../../features/index.js'
import type { FeatureViewUse } from '../payload-log/index.js'
import type { ServedModel } from '../served-model.js'
import type { InferTensor } from '../tensor.js'
import { assembleInputs } from './assemble-inputs.js'
import { type InputLayout, inputLayout } from './input-layout.js'

/** Model version tag naming the feature service a model reads (`feature_service=delay_model`). */
export const FEATURE_SERVICE_TAG = 'feature_service'

/** A served model bound to a feature service: what enrichment needs, resolved once per deployment. */
export interface EnrichmentPlan {
  service: FeatureService
  layout: InputLayout
  /** The join keys of the service's views: the entity key of each row. */
  joinKeys: string[]
  /** The feature view (and on-demand feature) versions the service reads. */
  featureViews: FeatureViewUse[]
}

/** The assembled inputs of a batch of entity rows. */
export interface EnrichedInputs {
  inputs: InferTensor[]
  online: OnlineFeatures
}

/** The feature service a served model reads: `explicit`, else its `feature_service` tag; `FAILED_PRECONDITION` when neither. */
export function serviceNameOf(served: ServedModel, explicit: string | undefined): string {
  const name = explicit ?? served.model.tags[FEATURE_SERVICE_TAG]
  if (name === undefined || name === '') {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `model "${served.name}" version ${served.version} is not bound to a feature service; deploy it with { features: '<service>' } (strata serve --features <service>) or tag the version ${FEATURE_SERVICE_TAG}=<service>`,
    )
  }
  return name
}

/**
 * Binds a served model to feature service `serviceName`: checks that every input value is either
 * a feature of the service or can come from the request, and resolves the registered versions of
 * the service's feature views and on-demand features (an unapplied definition fails here, not
 * on the first request).
 */
export async function planEnrichment(
  store: FeatureStore,
  served: ServedModel,
  serviceName: string,
): Promise<EnrichmentPlan> {
  const service = store.catalog.service(serviceName)
  const layout = inputLayout(served)
  const uses = new Map<string, FeatureViewUse>()
  const joinKeys = new Set<string>()
  for (const item of service.items) {
    const defs =
      item.kind === 'feature-view'
        ? [item]
        : item.kind === 'feature-selection'
          ? [item.view]
          : [item, ...item.features.map((f) => f.view)]
    for (const def of defs) {
      if (def.kind === 'feature-view') for (const k of Object.keys(def.keyTypes)) joinKeys.add(k)
      if (uses.has(def.name)) continue
      const registered = await store.registry.resolve(def)
      uses.set(def.name, { name: def.name, version: registered.version })
    }
  }
  return { service, layout, joinKeys: [...joinKeys], featureViews: [...uses.values()] }
}

/** Reads the online features of `rows` and assembles the model's inputs (failing loudly on missing or stale values). */
export async function enrich(
  store: FeatureStore,
  plan: EnrichmentPlan,
  rows: readonly Readonly<Record<string, unknown>>[],
): Promise<EnrichedInputs> {
  if (rows.length === 0) throw new StrataError('INVALID_ARGUMENT', 'no entity rows; pass at least one')
  for (const [i, row] of rows.entries()) {
    const missing = plan.joinKeys.filter(
      (k) => !Object.hasOwn(row, k) || row[k] === null || row[k] === undefined,
    )
    if (missing.length > 0) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `entity row ${i} has no ${missing.map((k) => `"${k}"`).join(', ')}; feature service "${plan.service.name}" is keyed by ${plan.joinKeys.join(', ')}`,
        { details: { row: i, missing } },
      )
    }
  }
  const online = await store.getOnlineFeatures({ service: plan.service, entities: rows })
  return { inputs: assembleInputs(plan.layout, rows, online), online }
}

/** The entity key of a row: its values of the service's join keys. */
export function entityKeyOf(
  plan: EnrichmentPlan,
  row: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const key: Record<string, unknown> = {}
  for (const k of plan.joinKeys) key[k] = row[k]
  return key
}
