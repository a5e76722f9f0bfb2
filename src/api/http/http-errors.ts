import { errorMessage, isStrataError, StrataError } from '../../core/errors.js'
import { jsonReplacer } from '../../core/json.js'
import { HTTP_STATUS } from '../http-status.js'

/** A thrown value as the StrataError it stands for, with the HTTP status to answer. */
export interface ClassifiedError {
  error: StrataError
  status: number
}

/** The request an error happened in, for messages that name it. */
export interface ErrorRequest {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
}

const where = (req: ErrorRequest | undefined) =>
  req === undefined ? 'this route' : `${req.method} ${req.url.split('?')[0]}`

/** What the framework's own client errors mean, by Fastify error code. */
const FRAMEWORK_MESSAGES: Record<string, (err: FrameworkError, req: ErrorRequest | undefined) => string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (_err, req) => `request body is larger than ${where(req)} accepts`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (_err, req) =>
    `content type "${req?.headers['content-type'] ?? '(none)'}" is not accepted by ${where(req)}; send JSON with content-type: application/json`,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => 'request body length does not match its content-length',
  FST_ERR_CTP_INVALID_JSON_BODY: (err) => `request body is not valid JSON: ${err.message}`,
  FST_ERR_BAD_URL: (_err, req) => `the path of ${where(req)} is not valid percent-encoding`,
}

interface FrameworkError {
  code?: unknown
  statusCode?: unknown
  message: string
}

/**
 * Classifies anything a route or the framework throws: a StrataError keeps its code and gets the
 * status from {@link HTTP_STATUS} (the code alone decides it: details are facts for machines,
 * never an override); a client error of the framework (413 body too large, 415 content type,
 * malformed JSON, a bad URL) becomes `INVALID_ARGUMENT` with the framework's 4xx status; anything
 * else is `INTERNAL` with 500. A client mistake never becomes a 5xx.
 */
export function classifyError(err: unknown, req?: ErrorRequest): ClassifiedError {
  if (isStrataError(err)) return { error: err, status: HTTP_STATUS[err.code] }
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as FrameworkError
  const status = e.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = FRAMEWORK_MESSAGES[String(e.code)]?.(e, req) ?? e.message
    return { error: new StrataError('INVALID_ARGUMENT', message, { cause: err }), status }
  }
  return { error: new StrataError('INTERNAL', errorMessage(err), { cause: err }), status: 500 }
}

/** Strata's error body as JSON text: `{"error":{"code","message","details?"}}`. */
export function errorBodyText(error: StrataError): string {
  return JSON.stringify({ error: error.toJSON() }, jsonReplacer)
}
