import { errorMessage, isStrataError, StrataError } from '../core/errors.js'
import { jsonReplacer } from '../core/json.js'
import { HTTP_STATUS } from './http-status.js'
import type { ApiRequest, ErrorFormatter, Router } from './router.js'

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

/** Largest JSON body accepted (bytes). */
const MAX_JSON_BODY = 64 * 1024 * 1024

/**
 * Composes mounted routers into one app. Errors thrown by handlers are rendered by the
 * router's own formatter (MLflow and Open Inference Protocol routers speak their wire
 * formats) or by the default: `{"error":{"code","message","details"}}` with the status
 * from {@link HTTP_STATUS}. A client mistake never becomes a 5xx.
 */
export function createApiApp(mounts: readonly Mount[], textRoutes: readonly TextRoute[] = []): ApiApp {
  const sorted = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length)
  const byKey = new Map(textRoutes.map((r) => [`${r.method} ${r.path}`, r]))
  const textRoute = (method: string, path: string) => byKey.get(`${method} ${path}`)
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
      const format = mount?.router.formatError ?? defaultErrorResponse
      try {
        if (!mount) throw new StrataError('NOT_FOUND', `no route for ${request.method} ${url.pathname}`)
        const rest = url.pathname.slice(trimSlash(mount.prefix).length) || '/'
        const found = mount.router.match(request.method, rest)
        if (found === undefined)
          throw new StrataError('NOT_FOUND', `no route for ${request.method} ${url.pathname}`)
        if (found === 'method') {
          throw new StrataError('INVALID_ARGUMENT', `${request.method} is not allowed on ${url.pathname}`, {
            details: { httpStatus: 405 },
          })
        }
        const req: ApiRequest = {
          method: request.method,
          path: url.pathname,
          params: found.params,
          query: url.searchParams,
          headers: request.headers,
          raw: request,
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
  const status = (e.details?.httpStatus as number | undefined) ?? HTTP_STATUS[e.code]
  return { status, body: JSON.stringify({ error: e.toJSON() }, jsonReplacer) }
}

/** The default error rendering: Strata codes mapped to HTTP statuses. */
export const defaultErrorResponse: ErrorFormatter = (err) => {
  const { status, body } = defaultErrorBody(err)
  return new Response(body, { status, headers: { 'content-type': 'application/json' } })
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
