export {
  ArtifactStore,
  joinArtifactPath,
  PROXIED_ARTIFACT_SCHEME,
  proxiedArtifactPath,
} from './artifact-store.js'
export { type CreateExperimentOptions, ExperimentStore } from './experiment-store.js'
export {
  type CreateLoggedModelOptions,
  type DatasetScope,
  LoggedModelStore,
  type SearchLoggedModelsOptions,
} from './logged-model-store.js'
export { DOWNSAMPLE_MAX_RESULTS, type DownsampleOptions } from './metric-history.js'
export { type LogMetricsOptions, type ParamValue, RunHandle } from './run-handle.js'
export type { DatasetSummary, LineageInputOptions } from './run-inputs.js'
export { type KeyValue, type LogBatchInput, paramChanged } from './run-logging.js'
export { type CreateRunOptions, RunStore, type UpdateRunOptions } from './run-store.js'
export { newLoggedModelId, newRunId, randomRunName } from './tracking-ids.js'
export { type TrackingTables, trackingMigrations } from './tracking-migrations.js'
export {
  EXPERIMENT_SEARCH_SCHEMA,
  LOGGED_MODEL_SEARCH_SCHEMA,
  RUN_SEARCH_SCHEMA,
} from './tracking-search-schemas.js'
export { type StartRunOptions, TrackingStore } from './tracking-store.js'
export * from './tracking-types.js'
export {
  parseViewType,
  TRACKING_LIMITS,
  validateExperimentId,
  validateKey,
  validateRunId,
} from './tracking-validation.js'
