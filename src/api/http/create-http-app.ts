import type { Socket } from 'node:net'
import compress from '@fastify/compress'
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify'
import type { z } from 'zod'
import { StrataError } from '../../core/errors.js'
import { allowedHostNames } from './host-check.js'
import { classifyError, errorBodyText } from './http-errors.js'
import { useJsonBodies } from './json-body.js'
import { openApi } from './openapi.js'
import { corsOriginSet } from './origin-check.js'
import { useRequestGuards } from './request-guards.js'
import { requestId } from './request-id.js'
import { lazyRequestLogger } from './request-logger.js'
import { DEFAULT_TIMEOUTS, type RequestTimeouts } from './request-timeouts.js'
import { type RouteMiss, setRouteMissHandler } from './route-miss.js'
import { useRouteTable } from './route-table.js'
import { wireJson } from './wire-json.js'

/** Options of {@link createHttpApp}. */
export interface HttpAppOptions {
  /** Reported in the OpenAPI document. */
  version: string
  /** Largest request body of a route that does not set its own (bytes; default 8 MiB). */
  bodyLimit?: number
  /** Request time limits (default {@link DEFAULT_TIMEOUTS}). */
  timeouts?: Partial<RequestTimeouts>
  /**
   * Fastify's logger (pino): `false` (default) logs nothing; `{ level, stream }` logs every line
   * with the request's id (`reqId`). Failed requests (5xx) log at `error`, each request at `info`.
   */
  logger?: FastifyServerOptions['logger']
  /**
   * Host names the server answers to besides `localhost`, `127.0.0.1` and `[::1]` (a request
   * with another `Host` is 403: DNS rebinding); `*` answers any (a reverse proxy checks it).
   */
  allowedHosts?: readonly string[]
  /**
   * Origins (`https://app.example.com`) whose pages may call the API cross-site (CORS); none by
   * default, and a request from any other foreign `Origin` is 403.
   */
  corsOrigins?: readonly string[]
  /** Answers a request no route serves before the 404 (the web UI's client-side routes). */
  fallback?: (request: FastifyRequest, reply: FastifyReply) => boolean
}

/** Responses from this size up are gzipped for clients that accept it; smaller ones do not pay. */
export const COMPRESS_THRESHOLD = 1024

/** Default largest request body (bytes). */
export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024

/**
 * The HTTP layer every Strata server runs on: Fastify 5 with the parts every route relies on,
 * each in one place — JSON bodies (limit enforced while streaming, nesting bounded, 415 for other
 * content types), request ids (header and logs), `Host` validation and allow-list, foreign
 * `Origin`s refused (CORS only for configured origins), request timeouts, gzip, one
 * error mapping (Strata's `{"error":…}` body with the status of the error code; protocol scopes
 * such as MLflow's set their own), 404/405 with `Allow`, and the OpenAPI document. Routes are
 * registered on the returned instance (see `createServerApp`); `app.inject` serves tests without
 * a socket.
 *
 * @example
 * const app = await createHttpApp({ version: '1.0.0' })
 * bindRoute(app, serverApi.health, () => ({ status: 'ok', project: 'demo', version: '1.0.0' }))
 */
export async function createHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const corsOrigins = corsOriginSet(options.corsOrigins)
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts }
  const app = Fastify({
    logger: options.logger ?? false,
    // One line per request, from the onResponse hook below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestId,
    // request.log makes its pino child only when a request logs (see request-logger.ts).
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    keepAliveTimeout: 65_000,
    // Node's total request timeout cannot exempt streaming uploads: off, see requestTimeouts.
    requestTimeout: 0,
    http: {
      headersTimeout: timeouts.headers,
      connectionsCheckingInterval: Math.min(30_000, timeouts.headers),
    },
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 1000 },
    frameworkErrors: (err, request, reply) => sendError(err, request, reply),
    clientErrorHandler,
  })
  app.setValidatorCompiler(zodValidator)
  // Answers are serialized by the reply serializer (it wins over response schemas, which are for
  // the OpenAPI document and the compiler); a scope may set a cheaper one (the feature route).
  app.setSerializerCompiler(() => wireJson)
  app.setReplySerializer(wireJson)
  useJsonBodies(app)
  useRouteTable(app)
  useRequestGuards(app, { allowedHosts: allowedHostNames(options.allowedHosts), corsOrigins, timeouts })
  await app.register(compress, { threshold: COMPRESS_THRESHOLD, encodings: ['gzip', 'deflate'] })
  app.setErrorHandler((err, request, reply) => sendError(err, request, reply))
  setRouteMissHandler(app, (miss, request, reply) => {
    if (miss.kind === 'not-found' && options.fallback?.(request, reply) === true) return reply
    return sendError(missError(miss), request, reply, miss.kind === 'not-found' ? 404 : 405)
  })
  await openApi(app, { title: 'Strata REST API', version: options.version })
  if (options.logger !== undefined && options.logger !== false) {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        { method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime },
        'request',
      )
      done()
    })
  }
  return app
}

/** Renders any error in Strata's body; 5xx are logged with the request's id. */
function sendError(
  err: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  status?: number,
): FastifyReply {
  const classified = classifyError(err, request)
  const code = status ?? classified.status
  if (code >= 500) request.log.error({ err }, classified.error.message)
  return reply.code(code).type('application/json').send(errorBodyText(classified.error))
}

/**
 * The error of a request no route serves: `NOT_FOUND`, or for a 405 `INVALID_ARGUMENT` (the
 * method is the bad argument) with the allowed methods in `details.allowed`.
 */
export function missError(miss: RouteMiss): StrataError {
  if (miss.kind === 'not-found')
    return new StrataError('NOT_FOUND', `no route for ${miss.method} ${miss.path}`)
  const allowed = miss.allowed.join(', ')
  return new StrataError(
    'INVALID_ARGUMENT',
    `${miss.method} is not allowed on ${miss.path}; allowed: ${allowed || 'none'}`,
    { details: { allowed: miss.allowed } },
  )
}

/** Validates a request part with its route's zod schema; a mismatch names the fields. */
function zodValidator({ schema, httpPart }: { schema: unknown; httpPart?: string }) {
  const zod = schema as z.ZodType
  const part = httpPart === 'querystring' ? 'query' : httpPart === 'params' ? 'path' : (httpPart ?? 'request')
  return (data: unknown) => {
    const parsed = zod.safeParse(data)
    if (parsed.success) return { value: parsed.data }
    const issues = parsed.error.issues
      .map((i) => `${i.path.length > 0 ? `"${i.path.join('.')}": ` : ''}${i.message}`)
      .join('; ')
    return { error: new StrataError('INVALID_ARGUMENT', `invalid request ${part}: ${issues}`) }
  }
}

/** Malformed HTTP (before any route): a short answer in Strata's body, then the connection closes. */
function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  const [status, reason] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large']
        : [400, 'Bad Request']
  const body = errorBodyText(new StrataError('INVALID_ARGUMENT', `malformed HTTP request: ${err.message}`))
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  )
}
