export { MLFLOW_ARTIFACTS_PREFIX, mlflowArtifactsRouter } from './mlflow-artifacts-router.js'
export {
  MLFLOW_ERROR_CODES,
  MLFLOW_ROUTER_OPTIONS,
  type MlflowErrorBody,
  type MlflowErrorCode,
  mlflowError,
  mlflowErrorFormatter,
  mlflowMissFormatter,
} from './mlflow-errors.js'
export { MlflowMessage } from './mlflow-message.js'
export { MLFLOW_API_PREFIXES, type MlflowServices, mlflowMounts } from './mlflow-router.js'
