export { MLFLOW_ARTIFACTS_PREFIX, mlflowArtifactRoutes } from './mlflow-artifacts-router.js'
export {
  MLFLOW_ERROR_CODES,
  type MlflowErrorBody,
  type MlflowErrorCode,
  mlflowErrorOf,
  mlflowMiss,
  useMlflowErrors,
} from './mlflow-errors.js'
export { MlflowMessage } from './mlflow-message.js'
export {
  MLFLOW_API_PREFIXES,
  type MlflowRoutesOptions,
  type MlflowRpc,
  mlflowRoutes,
} from './mlflow-router.js'
