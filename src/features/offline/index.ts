/**
 * Offline reading of feature views: views over snapshot sources computed to Parquet as
 * dataset commits (view data, compute, transforms), views over query sources read where they
 * live (pushed-down joins), point-in-time retrieval in DuckDB, and training sets. Every
 * caller reads a view through {@link OfflineView}, never by its source's kind.
 */
export type { EntityRowsFormat, EntityRowsSource } from './entity-rows.js'
export { JsonlTableWriter } from './jsonl-table.js'
export {
  type LatestRange,
  type OfflineView,
  type OfflineViewDeps,
  openOfflineView,
  type SourceChanges,
} from './offline-view.js'
export { buildPointInTimeSql, type PitEntitySide, type PitViewSide } from './point-in-time-join.js'
export {
  type SavedTrainingSet,
  TrainingSet,
  type TrainingSetInput,
  type UsedDefinition,
} from './training-set.js'
export {
  buildTrainingSet,
  type DatasetRows,
  type TrainingSetDeps,
  type TrainingSetOptions,
} from './training-set-builder.js'
export { type ViewData, ViewDataStore, type ViewDataStoreConfig } from './view-data.js'
export { recordDefinedViewVersions, viewVersionNode } from './view-lineage.js'
