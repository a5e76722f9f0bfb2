export { type BatchInput, resolveBatchInput } from './batch-input.js'
export {
  type CommitPredictionsOptions,
  commitPredictions,
  type PredictionsTarget,
  parsePredictionsTarget,
} from './batch-output.js'
export { type BatchPredictOptions, type BatchPredictResult, batchPredict } from './batch-predict.js'
export {
  allocateValues,
  elementBytes,
  elementCount,
  isOipDatatype,
  OIP_DATATYPES,
  type OipDatatype,
  oipDatatypeOf,
  ortTypeOf,
  type TensorValues,
} from './datatypes.js'
export * from './delivery/index.js'
export { type BatchingOptions, type BatchObserver, batchingRuntime } from './dynamic-batcher.js'
export {
  type EnrichmentPlan,
  FEATURE_NAMES_KEY,
  FEATURE_SERVICE_TAG,
  type InputLayout,
  inputLayout,
} from './enrichment/index.js'
export type { DeploymentAnswer, EntityRows, PredictResult } from './entity-predict.js'
export * from './graphs/index.js'
export { ModelCache, type ReadModelFile } from './model-cache.js'
export { registryRef } from './model-ref.js'
export type { ModelRuntime, PredictorTensor, RuntimeKind, RuntimeSource } from './model-runtime.js'
export { ModelServer } from './model-server.js'
export type {
  DeployOptions,
  InferRequest,
  InferResult,
  ModelServerOptions,
  ModelSource,
  RequestContext,
  RoutedEndpoint,
  WarmVersion,
} from './model-server-types.js'
export * from './payload-log/index.js'
export { openPredictor, type Prediction, Predictor, type PredictorOptions } from './predictor.js'
export { type LoadOptions, loadServedModel, PREDICTOR_ENTRIES, type ServedModel } from './served-model.js'
export { ServingMetrics } from './serving-metrics.js'
export { checkInputs, checkOutputNames, type MetadataTensor, metadataTensor } from './signature-check.js'
export { type InferTensor, tensorFromBinary, tensorFromJson, tensorToBinary, tensorToJson } from './tensor.js'
export { startWorkerRuntime, type WorkerRuntimeOptions } from './worker-runtime.js'
