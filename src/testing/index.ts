/**
 * Conformance suites for Strata's ports: run a custom backend through the same cases as the
 * built-in ones, one suite per port, plus the helpers that gate a suite on a service URL.
 * Needs `vitest` (and `fast-check` for the online-store suite), declared as optional peers.
 *
 * @example
 * import { describeBlobStore } from 'strata-ml/testing'
 * describeBlobStore({ name: 'my-store', create: () => new MyBlobStore() })
 *
 * @packageDocumentation
 */
// The port types the suites take (also exported by 'strata-ml'), so a backend author needs one import.
export type {
  BlobInfo,
  BlobPutOptions,
  BlobStore,
  BlobStoreCapabilities,
  ColumnBatch,
  ColumnInfo,
  ExecuteOptions,
  Executor,
  ExecutorCapabilities,
  OnlineField,
  OnlineStore,
  OnlineStoreCapabilities,
  OnlineValue,
  OnlineWrite,
  OnlineWriteResult,
  ParquetWriteOptions,
  QueryResult,
  Row,
  StepJob,
  StepJobError,
  StepJobHandler,
  StepJobResult,
  TableEngine,
} from '../ports/index.js'
export { type BlobStoreSuiteOptions, describeBlobStore } from './blob-store.suite.js'
export { type BlobStoreSyncSuiteOptions, describeBlobStoreSync } from './blob-store-sync.suite.js'
export { describeExecutor, type ExecutorSuiteOptions } from './executor.suite.js'
export { describeOnlineStore, type OnlineStoreSuiteOptions } from './online-store.suite.js'
export { describeWithService, TEST_SERVICES, type TestService, testServiceUrl } from './services.js'
export { describeTableEngine, type TableEngineSuiteOptions } from './table-engine.suite.js'
