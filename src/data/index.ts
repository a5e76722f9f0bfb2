/**
 * Versioned data: datasets with content-addressed commits, branches, diff and merge
 * (`repo`), the object store beneath them (`objects`), tabular schema inference and
 * validation (`tabular`), the lineage graph across every artifact kind (`lineage`), and the
 * service context every domain service receives (`context`).
 */
export * from './context/index.js'
export * from './lineage/index.js'
export {
  type ChunkManifest,
  DEFAULT_CHUNKER_CONFIG,
  GearChunker,
  type GearChunkerConfig,
  type ObjectId,
  ObjectStore,
  type ObjectStoreConfig,
  type StoredObject,
  type WriteStats,
} from './objects/index.js'
export * from './repo/index.js'
export * from './tabular/index.js'
