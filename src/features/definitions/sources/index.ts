/**
 * Feature sources: one file per kind (its definition type, factory and adapter), and the one
 * table that maps a source's kind to its adapter (`source-adapters.ts`).
 */
export { type DatasetSource, datasetSource } from './dataset-source.js'
export { type FileSource, fileSource } from './file-source.js'
export type { PostgresSession, PostgresSourcePool } from './postgres-queries.js'
export { DEFAULT_POSTGRES_SOURCE_ENV, type PostgresSource, postgresSource } from './postgres-source.js'
export type {
  PitEntity,
  PitMatch,
  QueryReading,
  SnapshotReading,
  SourceAdapter,
  SourceConnections,
  SourceContext,
  SourceDefinition,
  SourceDescription,
  SourceQuery,
  SourceRange,
  SourceSnapshot,
  ViewOver,
} from './source-adapter.js'
export {
  describeSource,
  type FeatureSource,
  sourceAdapterForKind,
  sourceAdapterOf,
  sourceFactories,
} from './source-adapters.js'
export { SourceConnectionCache } from './source-connections.js'
export type { SourceFormat } from './source-format.js'
