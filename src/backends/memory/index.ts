/** In-memory backends: real implementations for tests, demos and `memory:` projects. */
export { MemoryBlobStore } from './memory-blob-store.js'
export { MemoryOnlineStore, type MemoryOnlineStoreConfig } from './memory-online-store.js'
