import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorCode, isStrataError } from '../../core/errors.js'
import { classifyError, type RouteMiss, setRouteMissHandler } from '../http/index.js'

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
  UNAUTHENTICATED: { errorCode: 'UNAUTHENTICATED', status: 401 },
  PERMISSION_DENIED: { errorCode: 'PERMISSION_DENIED', status: 403 },
  DATA_LOSS: { errorCode: 'DATA_LOSS', status: 500 },
  USER_CODE: { errorCode: 'INTERNAL_ERROR', status: 500 },
  INTERNAL: { errorCode: 'INTERNAL_ERROR', status: 500 },
}

/** The body of every MLflow error response. */
export interface MlflowErrorBody {
  error_code: string
  message: string
}

/**
 * An error in MLflow's wire format: `{"error_code", "message"}` with MLflow's status for the
 * Strata code; the framework's own client errors (413 body too large, 415 content type) keep
 * their status.
 */
export function mlflowErrorOf(
  err: unknown,
  request?: FastifyRequest,
): { status: number; body: MlflowErrorBody } {
  const { error, status } = classifyError(err, request)
  const mapped = MLFLOW_ERROR_CODES[error.code]
  return {
    status: isStrataError(err) || status >= 500 ? mapped.status : status,
    body: { error_code: mapped.errorCode, message: error.message },
  }
}

/**
 * MLflow's answer to a request its routes do not serve: `ENDPOINT_NOT_FOUND` with 404, or with
 * 405 for a wrong method, as MLflow's server does (the registry client walks its list of
 * endpoints on that code). A handler's own `NOT_FOUND` stays `RESOURCE_DOES_NOT_EXIST`.
 */
export function mlflowMiss(miss: RouteMiss): { status: number; body: MlflowErrorBody } {
  return miss.kind === 'not-found'
    ? {
        status: 404,
        body: { error_code: 'ENDPOINT_NOT_FOUND', message: `no route for ${miss.method} ${miss.path}` },
      }
    : {
        status: 405,
        body: { error_code: 'ENDPOINT_NOT_FOUND', message: `${miss.method} is not allowed on ${miss.path}` },
      }
}

/** Makes `scope` (an MLflow-compatible prefix) answer errors and misses in MLflow's format. */
export function useMlflowErrors(scope: FastifyInstance): void {
  const send = (reply: FastifyReply, { status, body }: { status: number; body: MlflowErrorBody }) =>
    reply.code(status).type('application/json').send(JSON.stringify(body))
  scope.setErrorHandler((err, request, reply) => {
    const answer = mlflowErrorOf(err, request)
    if (answer.status >= 500) request.log.error({ err }, answer.body.message)
    return send(reply, answer)
  })
  setRouteMissHandler(scope, (miss, _request, reply) => send(reply, mlflowMiss(miss)))
}
