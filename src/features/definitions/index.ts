/**
 * What a project declares and how each declaration is registered: entities, feature views
 * and their sources (one adapter per source kind), on-demand features, services, the
 * catalog, specs and their hashes, plan/apply against the registry, value types and checks,
 * and loading a definitions module. The lowest group of `features/`: it imports neither
 * `offline/` nor `online/`.
 */
export { type Entity, type EntityDefinition, entity, isEntity } from './entity.js'
export { FeatureCatalog, type FeatureDefinition } from './feature-catalog.js'
export { ensureDataset, type FeatureDataRepository } from './feature-data-repository.js'
export { type FeaturePlan, formatPlan, type PlanChange } from './feature-plan.js'
export { type ApplyResult, FeatureRegistry, type RegisteredDefinition } from './feature-registry.js'
export {
  type FeatureService,
  featureService,
  isFeatureService,
  type SchemaOf,
  type ServiceItem,
  type ServiceValues,
  type ValuesOf,
} from './feature-service.js'
export {
  assertName,
  DUCKDB_TYPES,
  type Duration,
  FEATURE_TYPES,
  type FeatureSchema,
  type FeatureType,
  type FeatureValue,
  type FeatureValues,
  formatDuration,
  type JoinKeyType,
  parseDuration,
} from './feature-types.js'
export {
  entityKey,
  fromStoredValue,
  isInvalid,
  normalizeKey,
  type StoredFeatureValue,
  showValue,
  toStoredValue,
  typeViolation,
} from './feature-validation.js'
export {
  type FeatureSelection,
  type FeatureView,
  type FeatureViewDefinition,
  featureView,
  isFeatureView,
  type RowTransform,
} from './feature-view.js'
export { type FeatureTables, featuresMigrations } from './features-migrations.js'
export { loadFeatureDefinitions } from './load-definitions.js'
export {
  isOnDemandFeature,
  type OnDemandFeature,
  type OnDemandFeatureDefinition,
  type OnDemandInput,
  onDemandFeature,
} from './on-demand-feature.js'
export { compileOnDemand, type OnDemandRunner } from './on-demand-runner.js'
export { type PlannedOutput, type PlannedView, planRetrieval, type RetrievalPlan } from './retrieval-plan.js'
export * from './sources/index.js'
export { sha256, stableJson } from './spec-hash.js'
export { fileRelation, ident, isTimestampType, literal, timestampExpr, withSource } from './sql.js'
