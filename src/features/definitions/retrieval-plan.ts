import { StrataError } from '../../core/errors.js'
import { ownValue } from '../../core/own-property.js'
import type { FeatureService, ServiceItem } from './feature-service.js'
import type { FeatureType } from './feature-types.js'
import type { FeatureView } from './feature-view.js'
import type { OnDemandFeature } from './on-demand-feature.js'

/** One output column of a retrieval. */
export interface PlannedOutput {
  /** Column name in the result (`feature`, or `view__feature` with full names). */
  name: string
  type: FeatureType
  /** Where the value comes from. */
  from: { view: string; feature: string } | { onDemand: string }
}

/** The features one view contributes. */
export interface PlannedView {
  view: FeatureView
  /** Features read from the view (outputs and on-demand inputs), in first-use order. */
  features: string[]
}

/** What a retrieval needs: which views and features to join, and the columns it returns. */
export interface RetrievalPlan {
  views: PlannedView[]
  outputs: PlannedOutput[]
  onDemand: OnDemandFeature[]
  /** Request fields the on-demand features read (entity-row columns offline, request values online). */
  requestFields: Record<string, FeatureType>
  /** The service the request named, if any. */
  service: FeatureService | undefined
}

/** The internal column a view's feature is joined as, unique across views. */
export function internalName(view: string, feature: string): string {
  return `${view}__${feature}`
}

/**
 * Resolves service items into a plan. Output names are the feature names, or
 * `view__feature` with `fullFeatureNames`; a name given twice is rejected with a hint.
 */
export function planRetrieval(
  items: readonly ServiceItem[],
  options: { fullFeatureNames?: boolean; service?: FeatureService } = {},
): RetrievalPlan {
  const views = new Map<string, PlannedView>()
  const outputs: PlannedOutput[] = []
  const onDemand: OnDemandFeature[] = []
  const requestFields: Record<string, FeatureType> = {}
  const names = new Map<string, string>()

  const need = (view: FeatureView, feature: string): void => {
    let planned = views.get(view.name)
    if (planned !== undefined && planned.view !== view) {
      throw new StrataError('ALREADY_EXISTS', `two different feature views are named "${view.name}"`)
    }
    if (planned === undefined) {
      planned = { view, features: [] }
      views.set(view.name, planned)
    }
    if (!planned.features.includes(feature)) planned.features.push(feature)
  }
  const output = (out: PlannedOutput, ref: string): void => {
    const taken = names.get(out.name)
    if (taken === ref) return
    if (taken !== undefined) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `"${ref}" and "${taken}" would both be returned as "${out.name}"; request fullFeatureNames to name columns view__feature`,
      )
    }
    names.set(out.name, ref)
    outputs.push(out)
  }

  for (const item of items) {
    if (item.kind === 'on-demand-feature') {
      if (onDemand.includes(item)) continue
      for (const sel of item.features) for (const f of sel.features) need(sel.view, f)
      for (const [field, type] of Object.entries(item.request)) {
        const existing = requestFields[field]
        if (existing !== undefined && existing !== type) {
          throw new StrataError(
            'INVALID_ARGUMENT',
            `request field "${field}" is ${existing} for one on-demand feature and ${type} for another`,
          )
        }
        requestFields[field] = type
      }
      onDemand.push(item)
      output({ name: item.name, type: item.type, from: { onDemand: item.name } }, item.name)
      continue
    }
    const view = item.kind === 'feature-view' ? item : item.view
    const selected = item.kind === 'feature-view' ? Object.keys(item.features) : item.features
    for (const feature of selected) {
      need(view, feature)
      const type = ownValue(view.features, feature)
      if (type === undefined) {
        throw new StrataError('NOT_FOUND', `feature view "${view.name}" has no feature "${feature}"`)
      }
      output(
        {
          name: options.fullFeatureNames ? internalName(view.name, feature) : feature,
          type,
          from: { view: view.name, feature },
        },
        `${view.name}:${feature}`,
      )
    }
  }
  return { views: [...views.values()], outputs, onDemand, requestFields, service: options.service }
}
