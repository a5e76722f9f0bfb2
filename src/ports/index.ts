export type { BlobInfo, BlobPutOptions, BlobStore, BlobStoreCapabilities } from './blob-store.js'
export type {
  ExecuteOptions,
  Executor,
  ExecutorCapabilities,
  StepJob,
  StepJobError,
  StepJobHandler,
  StepJobResult,
} from './executor.js'
export type {
  OnlineBatch,
  OnlineField,
  OnlineStore,
  OnlineStoreCapabilities,
  OnlineValue,
  OnlineWrite,
  OnlineWriteResult,
} from './online-store.js'
export type {
  ColumnBatch,
  ColumnInfo,
  ParquetWriteOptions,
  QueryResult,
  Row,
  TableEngine,
} from './table-engine.js'
