export { assembleInputs } from './assemble-inputs.js'
export {
  type EnrichedInputs,
  type EnrichmentPlan,
  enrich,
  entityKeyOf,
  FEATURE_SERVICE_TAG,
  planEnrichment,
  serviceNameOf,
} from './feature-enrichment.js'
export { FEATURE_NAMES_KEY, type InputLayout, inputLayout, layoutNames } from './input-layout.js'
