import { type ErrorCode, errorMessage, isStrataError, StrataError } from '../../core/errors.js'
import { jsonResponse } from '../api-app.js'
import type { ErrorFormatter, MissFormatter, RouterOptions } from '../router.js'

/** An MLflow `ErrorCode` name with the HTTP status MLflow's server sends for it. */
export interface MlflowErrorCode {
  errorCode: string
  status: number
}

/**
 * Strata error codes in MLflow's wire vocabulary (mlflow/exceptions.py `ERROR_CODE_TO_HTTP_STATUS`).
 * Every client mistake maps to a 4xx: the MLflow client retries 408/429/5xx with backoff for
 * minutes, so a 5xx for a duplicate name or a bad argument would make a training script hang.
 * `CONFLICT` (re-logging a param with another value) is `INVALID_PARAMETER_VALUE`, the code the
 * client explains; `FAILED_PRECONDITION` (acting on a deleted experiment) is `INVALID_STATE`'s
 * client-side meaning but MLflow sends that as 500, so Strata sends `BAD_REQUEST`.
 */
export const MLFLOW_ERROR_CODES: Record<ErrorCode, MlflowErrorCode> = {
  NOT_FOUND: { errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 },
  ALREADY_EXISTS: { errorCode: 'RESOURCE_ALREADY_EXISTS', status: 400 },
  INVALID_ARGUMENT: { errorCode: 'INVALID_PARAMETER_VALUE', status: 400 },
  CONFLICT: { errorCode: 'INVALID_PARAMETER_VALUE', status: 400 },
  FAILED_PRECONDITION: { errorCode: 'BAD_REQUEST', status: 400 },
  UNSUPPORTED: { errorCode: 'NOT_IMPLEMENTED', status: 501 },
  UNAVAILABLE: { errorCode: 'TEMPORARILY_UNAVAILABLE', status: 503 },
  USER_CODE: { errorCode: 'INTERNAL_ERROR', status: 500 },
  INTERNAL: { errorCode: 'INTERNAL_ERROR', status: 500 },
}

/** The body of every MLflow error response. */
export interface MlflowErrorBody {
  error_code: string
  message: string
}

/** Renders an MLflow error response: `{"error_code", "message"}` with MLflow's status. */
export function mlflowError(errorCode: string, message: string, status: number): Response {
  const body: MlflowErrorBody = { error_code: errorCode, message }
  return jsonResponse(body, status)
}

/** The error formatter of MLflow-compatible routers: Strata codes in MLflow's vocabulary. */
export const mlflowErrorFormatter: ErrorFormatter = (err) => {
  const e = isStrataError(err) ? err : new StrataError('INTERNAL', errorMessage(err), { cause: err })
  const mapped = MLFLOW_ERROR_CODES[e.code]
  return mlflowError(mapped.errorCode, e.message, mapped.status)
}

/**
 * The miss formatter of MLflow-compatible routers: a path no route matches answers
 * `ENDPOINT_NOT_FOUND` with 404 and a wrong method `ENDPOINT_NOT_FOUND` with 405, as MLflow's
 * server does (the registry client walks its list of endpoints on that code). A handler's own
 * `NOT_FOUND` stays `RESOURCE_DOES_NOT_EXIST`: it reaches {@link mlflowErrorFormatter} instead.
 */
export const mlflowMissFormatter: MissFormatter = (miss) =>
  miss.kind === 'not-found'
    ? mlflowError('ENDPOINT_NOT_FOUND', `no route for ${miss.method} ${miss.path}`, 404)
    : mlflowError('ENDPOINT_NOT_FOUND', `${miss.method} is not allowed on ${miss.path}`, 405)

/** Router options of every MLflow-compatible router. */
export const MLFLOW_ROUTER_OPTIONS: RouterOptions = {
  formatError: mlflowErrorFormatter,
  formatMiss: mlflowMissFormatter,
}
