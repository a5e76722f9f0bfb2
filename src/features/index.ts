/**
 * The feature store: typed definitions in code (entities, feature views, on-demand features,
 * services), registered versions with plan/apply, point-in-time correct training sets in DuckDB
 * or Postgres, incremental materialization, and online retrieval (in-process and Feast-shaped).
 */
export { type Entity, type EntityDefinition, entity, isEntity } from './entity.js'
export type { EntityRowsSource } from './entity-rows.js'
export {
  createFeastOnlineHandler,
  createFeastOnlineJsonHandler,
  type FeastOnlineBackend,
  type FeastOnlineRequest,
  type FeastOnlineResponse,
  type FeastOnlineResult,
} from './feast-online-handler.js'
export { FeatureCatalog, type FeatureDefinition } from './feature-catalog.js'
export type { FeatureDataRepository } from './feature-data-repository.js'
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
  defaultFeatureWorkDir,
  FeatureStore,
  type FeatureStoreConfig,
  type OnlineRequest,
} from './feature-store.js'
export {
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
  type FeatureSelection,
  type FeatureView,
  type FeatureViewDefinition,
  featureView,
  isFeatureView,
  type RowTransform,
} from './feature-view.js'
export { type FeatureTables, featuresMigrations } from './features-migrations.js'
export { loadFeatureDefinitions } from './load-definitions.js'
export type { MaterializeOptions, MaterializeReport } from './materialize.js'
export {
  isOnDemandFeature,
  type OnDemandFeature,
  type OnDemandFeatureDefinition,
  type OnDemandInput,
  onDemandFeature,
} from './on-demand-feature.js'
export type { FieldStatus, OnlineEntities, OnlineFeatures } from './online-retrieval.js'
export { buildPointInTimeSql, type PitEntitySide, type PitViewSide } from './point-in-time-join.js'
export type { PostgresSession, PostgresSourcePool } from './postgres-offline.js'
export {
  type DatasetSource,
  DEFAULT_POSTGRES_SOURCE_ENV,
  datasetSource,
  type FeatureSource,
  type FileSource,
  fileSource,
  type PostgresSource,
  postgresSource,
  type SourceFormat,
} from './sources.js'
export { type SavedTrainingSet, TrainingSet, type TrainingSetInput } from './training-set.js'
export type { DatasetRows, TrainingSetOptions } from './training-set-builder.js'
