export { canonicalKey } from './payload-encoding.js'
export { PayloadLog, type PayloadLogOptions, type PayloadLogStats, type PayloadSink } from './payload-log.js'
export { type PayloadTables, servingMigrations } from './payload-migrations.js'
export { PayloadStore, type WriteOptions } from './payload-store.js'
export type {
  FeatureViewUse,
  LoggedValues,
  PredictionEntry,
  PredictionPage,
  PredictionQuery,
  PredictionRecord,
  PredictionStatus,
  StoredTensor,
} from './payload-types.js'
export { isPredictionId, newPredictionId } from './prediction-id.js'
