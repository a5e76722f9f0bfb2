import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify'
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
 * client explains; `FAILED_PRECONDITION` (changing a deleted run or experiment) is
 * `INVALID_PARAMETER_VALUE` too, as MLflow's server answers those cases.
 */
export const MLFLOW_ERROR_CODES: Record<ErrorCode, MlflowErrorCode> = {
  NOT_FOUND: { errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 },
  ALREADY_EXISTS: { errorCode: 'RESOURCE_ALREADY_EXISTS', status: 400 },
  INVALID_ARGUMENT: { errorCode: 'INVALID_PARAMETER_VALUE', status: 400 },
  CONFLICT: { errorCode: 'INVALID_PARAMETER_VALUE', status: 400 },
  FAILED_PRECONDITION: { errorCode: 'INVALID_PARAMETER_VALUE', status: 400 },
  UNSUPPORTED: { errorCode: 'NOT_IMPLEMENTED', status: 501 },
  UNAVAILABLE: { errorCode: 'TEMPORARILY_UNAVAILABLE', status: 503 },
  UNAUTHENTICATED: { errorCode: 'UNAUTHENTICATED', status: 401 },
  PERMISSION_DENIED: { errorCode: 'PERMISSION_DENIED', status: 403 },
  DATA_LOSS: { errorCode: 'DATA_LOSS', status: 500 },
  USER_CODE: { errorCode: 'INTERNAL_ERROR', status: 500 },
  INTERNAL: { errorCode: 'INTERNAL_ERROR', status: 500 },
}

/** The body of every MLflow error response (MLflow 3 adds `sqlstate` and `error_class`). */
export interface MlflowErrorBody {
  error_code: string
  message: string
  sqlstate?: string
  error_class?: string
}

/**
 * The `sqlstate` and `error_class` MLflow 3's server adds to an error of each code
 * (mlflow/error_classification.py, as `MlflowException.serialize_as_json` writes them); codes
 * without an entry carry neither.
 */
const ERROR_CLASSES: Record<string, { sqlstate: string; error_class: string }> = {
  RESOURCE_DOES_NOT_EXIST: { sqlstate: 'KAM00', error_class: 'RESOURCE_NOT_FOUND' },
  ENDPOINT_NOT_FOUND: { sqlstate: 'KAM00', error_class: 'RESOURCE_NOT_FOUND' },
  RESOURCE_ALREADY_EXISTS: { sqlstate: 'KAM00', error_class: 'RESOURCE_ALREADY_EXISTS' },
  INVALID_PARAMETER_VALUE: { sqlstate: 'KAM00', error_class: 'INVALID_PARAMETER_VALUE' },
  BAD_REQUEST: { sqlstate: 'KAM00', error_class: 'INVALID_PARAMETER_VALUE' },
  PERMISSION_DENIED: { sqlstate: 'KAM00', error_class: 'PERMISSION_DENIED' },
  TEMPORARILY_UNAVAILABLE: { sqlstate: 'XXM00', error_class: 'CLIENT_INTERNAL_ERROR' },
  INTERNAL_ERROR: { sqlstate: 'XXM00', error_class: 'CLIENT_INTERNAL_ERROR' },
}

/**
 * MLflow's server's wording of a missing entity, by the `entity` detail of a `NOT_FOUND`
 * (clients and users match on these messages).
 */
const NOT_FOUND_WORDING: Record<string, (d: Record<string, unknown>) => string> = {
  run: (d) => `Run with id=${String(d.runId)} not found`,
  experiment: (d) => `No Experiment with id=${String(d.experimentId)} exists`,
  experimentName: (d) => `Could not find experiment with name '${String(d.name)}'`,
  loggedModel: (d) => `Logged model with ID '${String(d.modelId)}' not found.`,
  registeredModel: (d) => `Registered Model with name=${String(d.name)} not found`,
  modelVersion: (d) => `Model Version (name=${String(d.name)}, version=${String(d.version)}) not found`,
  runTag: (d) => `No tag with name: ${String(d.key)} in run with id ${String(d.runId)}`,
  loggedModelTag: (d) => `No tag with key '${String(d.key)}' found for model with ID '${String(d.modelId)}'.`,
}

/** The message of `err` as MLflow's server words it, where it has its own wording. */
function mlflowMessage(err: unknown, fallback: string): string {
  if (!isStrataError(err, 'NOT_FOUND')) return fallback
  const details = (err.details ?? {}) as Record<string, unknown>
  const word = typeof details.entity === 'string' ? NOT_FOUND_WORDING[details.entity] : undefined
  return word === undefined ? fallback : word(details)
}

/** An MLflow error body for `errorCode`, with MLflow's classification fields. */
export function mlflowErrorBody(errorCode: string, message: string): MlflowErrorBody {
  return { error_code: errorCode, message, ...ERROR_CLASSES[errorCode] }
}

/**
 * The detail a handler sets on a {@link StrataError} to answer with an MLflow error code other
 * than its code's mapping, where MLflow's server does (e.g. `BAD_REQUEST` for a missing query
 * parameter of the logged-model file route).
 */
export const MLFLOW_ERROR_CODE_DETAIL = 'mlflowErrorCode'

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
  const override = isStrataError(err) ? err.details?.[MLFLOW_ERROR_CODE_DETAIL] : undefined
  return {
    status: isStrataError(err) || status >= 500 ? mapped.status : status,
    body: mlflowErrorBody(
      typeof override === 'string' ? override : mapped.errorCode,
      mlflowMessage(err, error.message),
    ),
  }
}

/**
 * MLflow's answer to a request its routes do not serve: `ENDPOINT_NOT_FOUND` with 404, or with
 * 405 for a wrong method, as MLflow's server does (the registry client walks its list of
 * endpoints on that code). A handler's own `NOT_FOUND` stays `RESOURCE_DOES_NOT_EXIST`.
 */
export function mlflowMiss(miss: RouteMiss): { status: number; body: MlflowErrorBody } {
  return miss.kind === 'not-found'
    ? { status: 404, body: mlflowErrorBody('ENDPOINT_NOT_FOUND', `no route for ${miss.method} ${miss.path}`) }
    : {
        status: 405,
        body: mlflowErrorBody('ENDPOINT_NOT_FOUND', `${miss.method} is not allowed on ${miss.path}`),
      }
}

function send(reply: FastifyReply, { status, body }: { status: number; body: MlflowErrorBody }) {
  return reply.code(status).type('application/json').send(JSON.stringify(body))
}

/** An error handler answering in MLflow's format (5xx are logged). */
export function mlflowErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const answer = mlflowErrorOf(err, request)
  if (answer.status >= 500) request.log.error({ err }, answer.body.message)
  return send(reply, answer)
}

/**
 * MLflow's response headers on every response of `scope`: `X-Content-Type-Options: nosniff`
 * (its security middleware) and JSON typed `application/json` without a charset parameter
 * (JSON is UTF-8 by definition; Flask sends the bare type).
 */
export function useMlflowHeaders(scope: FastifyInstance): void {
  // Callback style: no promise per request for two header writes.
  scope.addHook('onRequest', (_request, reply, done) => {
    reply.header('x-content-type-options', 'nosniff')
    done()
  })
  const plainJson: onSendHookHandler = (_request, reply, payload, done) => {
    if (reply.getHeader('content-type') === 'application/json; charset=utf-8') {
      reply.header('content-type', 'application/json')
    }
    done(null, payload)
  }
  // On every route: Fastify adds `; charset=utf-8` to a JSON type when it sends a string, so
  // the bare type can only be set after that, in `onSend`.
  scope.addHook('onRoute', (route) => {
    const existing = route.onSend
    route.onSend =
      existing === undefined ? [plainJson] : [...(Array.isArray(existing) ? existing : [existing]), plainJson]
  })
}

/**
 * Makes `scope` (an MLflow-compatible prefix) answer errors and misses in MLflow's format, with
 * MLflow's response headers ({@link useMlflowHeaders}).
 */
export function useMlflowErrors(scope: FastifyInstance): void {
  useMlflowHeaders(scope)
  scope.setErrorHandler(mlflowErrorHandler)
  setRouteMissHandler(scope, (miss, _request, reply) => send(reply, mlflowMiss(miss)))
}
