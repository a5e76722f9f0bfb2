export { type Entity, type EntityDefinition, entity, isEntity } from './entity.js'
export { FeatureCatalog, type FeatureDefinition } from './feature-catalog.js'
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
export {
  isOnDemandFeature,
  type OnDemandFeature,
  type OnDemandFeatureDefinition,
  type OnDemandInput,
  onDemandFeature,
} from './on-demand-feature.js'
export { buildPointInTimeSql, type PitEntitySide, type PitViewSide } from './point-in-time-join.js'
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
