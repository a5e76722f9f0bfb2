import type { z } from 'zod'
import { ApiError, ConnectionError, readApiError } from './client-errors.js'
import { type ClientGroup, type ClientRouteName, type RestApi, ROUTES } from './routes.js'

type Route<G extends ClientGroup, K extends ClientRouteName<G>> = RestApi[G][K]

/** A query value: repeated parameters are lists; `undefined` leaves the parameter out. */
export type QueryValue = string | number | boolean | readonly string[] | undefined

/** What a call fills in: path parameters, query and JSON body, as the route declares them. */
export type CallInput<R> = (R extends { params: z.ZodType } ? { params: z.input<R['params']> } : unknown) &
  (R extends { query: z.ZodType } ? { query?: Record<string, QueryValue> } : unknown) &
  (R extends { body: z.ZodType } ? { body: z.input<R['body']> } : unknown)

/** A route's JSON answer, as the server's response schema describes it. */
export type CallOutput<R> = R extends { response: z.ZodType } ? z.output<R['response']> : Response

/** Options of {@link StrataClient}. */
export interface StrataClientOptions {
  /** Origin (and optional prefix) of the server; default '' (the page's own origin). */
  baseUrl?: string
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch
  /** An API token, sent as `Authorization: Bearer …` when set. */
  token?: () => string | null
}

/**
 * A typed client of Strata's REST API: each call names a contract route (`'runs', 'get'`),
 * fills its path parameters, query and body with the contract's types, and resolves to the
 * route's response type. Errors reject with {@link ApiError} (the server's code and message)
 * or {@link ConnectionError} (the server could not be reached).
 *
 * @example
 * const client = new StrataClient()
 * const run = await client.call('runs', 'get', { params: { id: runId } })
 */
export class StrataClient {
  readonly #base: string
  readonly #fetch: typeof fetch
  readonly #token: () => string | null

  constructor(options: StrataClientOptions = {}) {
    this.#base = (options.baseUrl ?? '').replace(/\/$/, '')
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.#token = options.token ?? (() => null)
  }

  /** The URL of a route with its parameters and query filled in (for links and downloads). */
  url<G extends ClientGroup, K extends ClientRouteName<G>>(
    group: G,
    name: K,
    input: CallInput<Route<G, K>>,
  ): string {
    const route = (ROUTES[group] as Record<string, { path: string }>)[name as string]!
    const { params, query } = input as { params?: Record<string, string>; query?: Record<string, QueryValue> }
    return this.#base + fillPath(route.path, params ?? {}) + queryString(query ?? {})
  }

  /** Calls a route and returns its parsed JSON answer (the raw `Response` for file routes). */
  async call<G extends ClientGroup, K extends ClientRouteName<G>>(
    group: G,
    name: K,
    input: CallInput<Route<G, K>>,
    init: { signal?: AbortSignal } = {},
  ): Promise<CallOutput<Route<G, K>>> {
    const { body } = input as { body?: unknown }
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await this.request(group, name, input, { ...init, headers })
    const type = res.headers.get('content-type') ?? ''
    if (!type.includes('json')) return res as CallOutput<Route<G, K>>
    return (await res.json()) as CallOutput<Route<G, K>>
  }

  /**
   * Calls a route and returns its `Response` unread, whatever its content type (a file route's
   * bytes: an artifact, a model file), sending the token as `Authorization: Bearer` — so a
   * download or preview never carries the token in its URL. Errors reject as {@link call}'s do.
   */
  async request<G extends ClientGroup, K extends ClientRouteName<G>>(
    group: G,
    name: K,
    input: CallInput<Route<G, K>>,
    init: { signal?: AbortSignal; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const route = (ROUTES[group] as Record<string, { method: string }>)[name as string]!
    const { body } = input as { body?: unknown }
    const headers: Record<string, string> = { ...init.headers }
    const token = this.#token()
    if (token) headers.authorization = `Bearer ${token}`
    let res: Response
    try {
      res = await this.#fetch(this.url(group, name, input), {
        method: route.method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      })
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err
      throw new ConnectionError(`cannot reach the Strata server: ${(err as Error).message}`)
    }
    if (!res.ok) {
      // a proxy in front of a stopped server answers 502/503/504: that is "unreachable" too
      if (res.status === 502 || res.status === 503 || res.status === 504) {
        const apiError = await readApiError(res)
        if (apiError.code.startsWith('HTTP_')) throw new ConnectionError(apiError.message)
        throw apiError
      }
      throw await readApiError(res)
    }
    return res
  }
}

/** Fills `:name` segments and a trailing `*` of a contract path, each value URL-encoded. */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z0-9_]+)|\*$/g, (_segment, name: string | undefined) => {
    const key = name ?? '*'
    const value = params[key]
    if (value === undefined) throw new TypeError(`missing path parameter ${key} of ${path}`)
    // the rest-of-path parameter keeps its slashes
    return key === '*' ? value.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value)
  })
}

/** `?a=1&b=x&b=y` from a record; lists repeat the parameter, `undefined` and '' are left out. */
export function queryString(query: Record<string, QueryValue>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue
    if (Array.isArray(value)) for (const v of value) search.append(key, v)
    else search.append(key, String(value))
  }
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

export { ApiError, ConnectionError }
