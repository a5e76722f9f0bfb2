import { StrataError } from '../core/errors.js'

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
  /** Parses the body as JSON (an empty body is `{}`); malformed JSON is `INVALID_ARGUMENT`. */
  json<T = unknown>(): Promise<T>
}

/** What a handler returns: a Response, or any JSON-serializable value sent with status 200. */
export type HandlerResult = Response | unknown

/** A route handler. Throw a StrataError for failures; the router's error formatter renders it. */
export type Handler = (req: ApiRequest) => Promise<HandlerResult> | HandlerResult

/** Renders an error thrown by a handler as a Response (protocol routers bring their own). */
export type ErrorFormatter = (err: unknown, req: Request) => Response

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

  constructor(readonly formatError?: ErrorFormatter) {}

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
   * Finds the route for a path: `undefined` when no pattern matches, `'method'` when a
   * pattern matches but not with this method.
   */
  match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
    const parts = split(path)
    let methodMismatch = false
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts)
      if (params === undefined) continue
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) {
        methodMismatch = true
        continue
      }
      return { handler: route.handler, params }
    }
    return methodMismatch ? 'method' : undefined
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
