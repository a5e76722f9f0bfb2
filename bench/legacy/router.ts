import { StrataError } from '../../src/core/errors.js'
import type { Principal } from '../../src/core/principal.js'

/** A request as route handlers see it. */
export interface ApiRequest {
  method: string
  /** The URL path, percent-decoded per segment into `params`. */
  path: string
  params: Record<string, string>
  query: URLSearchParams
  headers: Headers
  /** The standard request (body stream, signal). */
  raw: Request
  /** Who the request acts as (see `ApiAppOptions.principal`): pass it to `strata.as`. */
  principal: Principal
  /** Parses the body as JSON (an empty body is `{}`); malformed JSON is `INVALID_ARGUMENT`. */
  json<T = unknown>(): Promise<T>
}

/** What a handler returns: a Response, or any JSON-serializable value sent with status 200. */
export type HandlerResult = Response | unknown

/** A route handler. Throw a StrataError for failures; the router's error formatter renders it. */
export type Handler = (req: ApiRequest) => Promise<HandlerResult> | HandlerResult

/**
 * A domain service acting as the request's principal, opened lazily by the handler that needs
 * it, e.g. `(req) => strata.as(req.principal).tracking()`.
 */
export type RequestService<T> = (req: ApiRequest) => Promise<T>

/** Renders an error thrown by a handler as a Response (protocol routers bring their own). */
export type ErrorFormatter = (err: unknown, req: Request) => Response

/**
 * Why a router has no handler for a request: no pattern matches the path (`not-found`, HTTP
 * 404), or patterns match it but none with the request's method (`method-not-allowed`, HTTP
 * 405, with the methods that would be, for the `Allow` header).
 */
export type RouteMiss = (
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allowed: readonly string[] }
) & {
  method: string
  /** The whole path of the request (with the router's mount prefix). */
  path: string
}

/** Renders a {@link RouteMiss} (protocol routers answer in their own wire format). */
export type MissFormatter = (miss: RouteMiss, req: Request) => Response

/** What {@link Router.match} finds: a handler with its path params, or why there is none. */
export type RouteMatch =
  | { kind: 'route'; handler: Handler; params: Record<string, string> }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allowed: readonly string[] }

/** Options of {@link Router}. */
export interface RouterOptions {
  /** Renders errors its handlers throw (default: Strata's `{"error":{…}}` body). */
  formatError?: ErrorFormatter
  /** Renders requests it has no handler for (default: Strata's body with 404 or 405). */
  formatMiss?: MissFormatter
}

interface Route {
  method: string
  segments: string[]
  handler: Handler
}

/**
 * A small router: `add('GET', '/api/runs/:id', handler)`. Patterns are literal segments and
 * `:param` segments; a trailing `*rest` matches the remainder of the path (for artifact paths).
 * Routers are mounted on the API server under a prefix with their own error formatter.
 */
export class Router {
  private readonly routes: Route[] = []
  readonly formatError: ErrorFormatter | undefined
  readonly formatMiss: MissFormatter | undefined

  constructor(options: RouterOptions = {}) {
    this.formatError = options.formatError
    this.formatMiss = options.formatMiss
  }

  /** Registers a handler; returns the router for chaining. */
  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method: method.toUpperCase(), segments: split(pattern), handler })
    return this
  }

  get(pattern: string, handler: Handler): this {
    return this.add('GET', pattern, handler)
  }

  post(pattern: string, handler: Handler): this {
    return this.add('POST', pattern, handler)
  }

  put(pattern: string, handler: Handler): this {
    return this.add('PUT', pattern, handler)
  }

  patch(pattern: string, handler: Handler): this {
    return this.add('PATCH', pattern, handler)
  }

  delete(pattern: string, handler: Handler): this {
    return this.add('DELETE', pattern, handler)
  }

  /**
   * Finds the route for a method and a path (relative to where the router is mounted). `HEAD`
   * is served by a `GET` route. A malformed percent-encoding in the path is `INVALID_ARGUMENT`.
   */
  match(method: string, path: string): RouteMatch {
    const parts = split(path)
    const allowed = new Set<string>()
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts)
      if (params === undefined) continue
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
        return { kind: 'route', handler: route.handler, params }
      }
      allowed.add(route.method)
      if (route.method === 'GET') allowed.add('HEAD')
    }
    return allowed.size === 0 ? { kind: 'not-found' } : { kind: 'method-not-allowed', allowed: [...allowed] }
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '')
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string
    if (p.startsWith('*')) {
      params[p.slice(1)] = parts.slice(i).map(decode).join('/')
      return params
    }
    const part = parts[i]
    if (part === undefined) return undefined
    if (p.startsWith(':')) params[p.slice(1)] = decode(part)
    else if (p !== part) return undefined
  }
  return parts.length === pattern.length ? params : undefined
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new StrataError('INVALID_ARGUMENT', `path segment "${segment}" is not valid percent-encoding`)
  }
}
