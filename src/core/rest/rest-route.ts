import { z } from 'zod'
import { ERROR_CODES } from '../errors.js'

/** The HTTP methods Strata's REST API uses. */
export type RestMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/**
 * What a route answers on success: a JSON body described by a schema, the raw bytes of a file
 * (`application/octet-stream`, streamed), or a stream of server-sent events.
 */
export type RestResponse = z.ZodType | 'bytes' | 'event-stream'

/**
 * One route of Strata's REST API, as data. The server binds a handler to it (`api/`), validates
 * requests with its schemas and describes it in `GET /api/openapi.json`; the typed client
 * (`client/`) builds requests from the same definition. Schemas are zod; `params` and `query`
 * see strings as they arrive on the wire, `body` the parsed JSON.
 *
 * @example
 * const getRun = defineRoute({
 *   method: 'GET', path: '/api/runs/:id', tag: 'runs', summary: 'One run with everything logged to it',
 *   params: z.object({ id: z.string() }), response: runSchema,
 * })
 */
export interface RestRoute {
  readonly method: RestMethod
  /** The path: literal segments, `:name` parameters and a trailing `*` (the rest of the path). */
  readonly path: string
  /** One line for the OpenAPI document. */
  readonly summary: string
  /** The resource the route belongs to (the OpenAPI tag). */
  readonly tag: string
  readonly params?: z.ZodType
  readonly query?: z.ZodType
  /** The JSON request body (`application/json`). */
  readonly body?: z.ZodType
  /**
   * The request body is raw bytes (`application/octet-stream`): `'stream'` — streamed to storage,
   * any content type, no size limit and no total-time limit; `'buffered'` — read whole up to the
   * route's limit, accepted besides the JSON `body`.
   */
  readonly bytes?: 'stream' | 'buffered'
  /** Status of a successful answer (default 200; 201 for a creation). */
  readonly status?: 200 | 201
  readonly response: RestResponse
}

/** Declares a route (identity at run time; keeps the literal types for the server and client). */
export function defineRoute<const R extends RestRoute>(route: R): R {
  return route
}

type Out<S> = S extends z.ZodType ? z.output<S> : Record<string, never>
type In<S> = S extends z.ZodType ? z.input<S> : Record<string, never>

/** The validated path parameters of a route (what the server's handler receives). */
export type RouteParams<R extends RestRoute> = Out<R['params']>
/** The validated query of a route. */
export type RouteQuery<R extends RestRoute> = Out<R['query']>
/** The validated JSON body of a route. */
export type RouteBody<R extends RestRoute> = Out<R['body']>
/** The JSON body a client sends. */
export type RouteBodyInput<R extends RestRoute> = In<R['body']>
/** The query a client sends. */
export type RouteQueryInput<R extends RestRoute> = In<R['query']>
/** The path parameters a client fills in. */
export type RouteParamsInput<R extends RestRoute> = In<R['params']>
/**
 * The success body of a route: the schema's type for JSON routes, bytes for files and an event
 * stream for `'event-stream'` routes (both as the server produces them).
 */
export type RouteResponse<R extends RestRoute> = R['response'] extends z.ZodType
  ? z.input<R['response']>
  : AsyncIterable<Uint8Array> | Uint8Array

/** Strata's error body: `{"error": {"code", "message", "details?"}}` (see docs/errors.md). */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' })
