import { HTTP_STATUS } from '../../src/api/http-status.js'
import { errorMessage, isStrataError, StrataError } from '../../src/core/errors.js'
import { jsonReplacer } from '../../src/core/json.js'
import type { Principal } from '../../src/core/principal.js'
import type { ApiRequest, ErrorFormatter, MissFormatter, Router } from './router.js'

/** A router mounted under a path prefix. */
export interface Mount {
  prefix: string
  router: Router
}

/**
 * A JSON route on text: request body text in, response JSON text out (status 200). The node
 * server serves it without building `Request`/`Response` objects — for hot paths such as
 * online feature retrieval — and `fetch` serves it like any route. Errors render as the default
 * `{"error":{…}}` body with the status from {@link HTTP_STATUS}.
 */
export interface TextRoute {
  method: string
  /** Exact path, without a query string. */
  path: string
  handle(body: string): Promise<string>
}

/** The API as a fetch-style function: no sockets needed, so HTTP tests run in-process. */
export interface ApiApp {
  fetch(request: Request): Promise<Response>
  /** The text route for a method and exact path, if one is registered. */
  textRoute(method: string, path: string): TextRoute | undefined
}

/**
 * Decides who a request acts as. The one place authentication plugs in: a token-checking
 * resolver returns the token's principal (or throws `INVALID_ARGUMENT`/`FAILED_PRECONDITION`,
 * rendered by the mounted router's error formatter); handlers then act through
 * `strata.as(req.principal)`.
 */
export type RequestPrincipal = (request: Request) => Principal | Promise<Principal>

/** Options of {@link createApiApp}. */
export interface ApiAppOptions {
  /** Who each routed request acts as (default: everyone is `anonymous`). */
  principal?: RequestPrincipal
}

const ANONYMOUS: Principal = { id: 'anonymous' }

/** Largest JSON body accepted (bytes). */
const MAX_JSON_BODY = 64 * 1024 * 1024

/**
 * Composes mounted routers into one app. Errors thrown by handlers are rendered by the
 * router's own formatter (MLflow and Open Inference Protocol routers speak their wire
 * formats) or by the default: `{"error":{"code","message","details"}}` with the status
 * from {@link HTTP_STATUS}. A client mistake never becomes a 5xx. A request no route serves
 * is rendered by the router's miss formatter (default {@link defaultMissResponse}: 404, or
 * 405 with an `Allow` header when the path exists with other methods).
 */
export function createApiApp(
  mounts: readonly Mount[],
  textRoutes: readonly TextRoute[] = [],
  options: ApiAppOptions = {},
): ApiApp {
  const sorted = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length)
  const byKey = new Map(textRoutes.map((r) => [`${r.method} ${r.path}`, r]))
  const textRoute = (method: string, path: string) => byKey.get(`${method} ${path}`)
  const principalOf = options.principal ?? (() => ANONYMOUS)
  return {
    textRoute,
    async fetch(request) {
      const url = new URL(request.url)
      const text = textRoute(request.method, url.pathname)
      if (text !== undefined) {
        try {
          return jsonTextResponse(await text.handle(await request.text()))
        } catch (err) {
          return defaultErrorResponse(err, request)
        }
      }
      const mount = sorted.find(
        (m) => url.pathname === m.prefix || url.pathname.startsWith(`${trimSlash(m.prefix)}/`),
      )
      const where = { method: request.method, path: url.pathname }
      if (!mount) return defaultMissResponse({ kind: 'not-found', ...where }, request)
      const format = mount.router.formatError ?? defaultErrorResponse
      try {
        const rest = url.pathname.slice(trimSlash(mount.prefix).length) || '/'
        const found = mount.router.match(request.method, rest)
        if (found.kind !== 'route') {
          return (mount.router.formatMiss ?? defaultMissResponse)({ ...found, ...where }, request)
        }
        const req: ApiRequest = {
          method: request.method,
          path: url.pathname,
          params: found.params,
          query: url.searchParams,
          headers: request.headers,
          raw: request,
          principal: await principalOf(request),
          json: () => readJson(request),
        }
        const result = await found.handler(req)
        return result instanceof Response ? result : jsonResponse(result)
      } catch (err) {
        return format(err, request)
      }
    },
  }
}

/** A JSON response; bigint and Map values are serialized safely. */
export function jsonResponse(value: unknown, status = 200, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(value ?? {}, jsonReplacer), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

/** A response whose body is JSON text already. */
function jsonTextResponse(text: string): Response {
  return new Response(text, { headers: { 'content-type': 'application/json' } })
}

/** The default error body and status: Strata codes mapped to HTTP statuses. */
export function defaultErrorBody(err: unknown): { status: number; body: string } {
  const e = isStrataError(err) ? err : new StrataError('INTERNAL', errorMessage(err), { cause: err })
  // The code alone decides the status: details are facts for machines (an S3 error's own
  // `httpStatus` among them), never an override.
  return { status: HTTP_STATUS[e.code], body: JSON.stringify({ error: e.toJSON() }, jsonReplacer) }
}

/** The default error rendering: Strata codes mapped to HTTP statuses. */
export const defaultErrorResponse: ErrorFormatter = (err) => {
  const { status, body } = defaultErrorBody(err)
  return new Response(body, { status, headers: { 'content-type': 'application/json' } })
}

/**
 * The default rendering of a request no route serves: `NOT_FOUND` with 404, or, when the path
 * exists with other methods, 405 with an `Allow` header and the allowed methods in
 * `error.details.allowed` (the body's code is `INVALID_ARGUMENT`: the method is the bad argument).
 */
export const defaultMissResponse: MissFormatter = (miss) => {
  if (miss.kind === 'not-found') {
    const { status, body } = defaultErrorBody(
      new StrataError('NOT_FOUND', `no route for ${miss.method} ${miss.path}`),
    )
    return new Response(body, { status, headers: { 'content-type': 'application/json' } })
  }
  const allowed = miss.allowed.join(', ')
  const error = new StrataError(
    'INVALID_ARGUMENT',
    `${miss.method} is not allowed on ${miss.path}; allowed: ${allowed}`,
    { details: { allowed: miss.allowed } },
  )
  return new Response(JSON.stringify({ error: error.toJSON() }), {
    status: 405,
    headers: { 'content-type': 'application/json', allow: allowed },
  })
}

async function readJson<T>(request: Request): Promise<T> {
  const declared = Number(request.headers.get('content-length') ?? '0')
  if (declared > MAX_JSON_BODY) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `request body of ${declared} bytes exceeds the ${MAX_JSON_BODY}-byte limit`,
    )
  }
  const text = await request.text()
  if (text.trim() === '') return {} as T
  try {
    return JSON.parse(text) as T
  } catch (err) {
    throw new StrataError('INVALID_ARGUMENT', `request body is not valid JSON: ${errorMessage(err)}`)
  }
}

function trimSlash(prefix: string): string {
  return prefix.endsWith('/') ? prefix.slice(0, -1) : prefix
}
