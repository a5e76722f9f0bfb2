export {
  ENTITY_LABEL_LOOKBACK_MS,
  type EntityLabelInput,
  isEntityLabel,
  resolveEntityLabels,
} from './entity-labels.js'
export { GROUND_TRUTH, joinLabels, type LabeledRecord, type LabelLookup } from './label-join.js'
export { type LabelInput, LabelStore } from './label-store.js'
export { canonicalKey, encodeEntryRow, type PredictionRow } from './payload-encoding.js'
export { type ExportOptions, type ExportResult, exportPayloadLog } from './payload-export.js'
export { PayloadLog, type PayloadLogOptions, type PayloadLogStats, type PayloadSink } from './payload-log.js'
export { type LabelTables, type PayloadTables, servingMigrations } from './payload-migrations.js'
export { PAYLOAD_PARQUET_COLUMNS } from './payload-parquet.js'
export {
  PAYLOAD_ARCHIVE,
  type PayloadHold,
  type PruneOptions,
  type PruneResult,
  prunePayloadLog,
} from './payload-retention.js'
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
