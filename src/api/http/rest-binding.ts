import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify'
import { z } from 'zod'
import {
  errorBodySchema,
  type RestRoute,
  type RouteBody,
  type RouteParams,
  type RouteQuery,
} from '../../core/rest/index.js'
import { setArtifactHeaders } from './artifact-headers.js'

/** A file a route answers with: its bytes (streamed when iterable) and, when known, its size. */
export interface FileReply {
  body: AsyncIterable<Uint8Array> | Uint8Array
  /** Sent as `content-length` (a streamed body without it goes out chunked). */
  size?: number
  /** Default `application/octet-stream`. */
  contentType?: string
}

/**
 * What a handler of `R` returns: the response schema's input type for JSON routes (checked by
 * the compiler against the contract), a {@link FileReply} for `'bytes'` routes, nothing for an
 * event stream (the handler answers through `reply`).
 */
export type HandlerResult<R extends RestRoute> = R['response'] extends z.ZodType
  ? z.input<R['response']>
  : R['response'] extends 'bytes'
    ? FileReply
    : undefined

/** The validated request of a route, as its handler receives it. */
export interface RestInput<R extends RestRoute> {
  params: RouteParams<R>
  query: RouteQuery<R>
  /**
   * The JSON body (`{}` when none was sent); for `bytes: 'buffered'` routes a `Buffer` when the
   * body was `application/octet-stream`, and `undefined` for `bytes: 'stream'` routes (read
   * `request.raw`).
   */
  body: R['bytes'] extends 'buffered' ? RouteBody<R> | Buffer : RouteBody<R>
}

/** A handler bound to a {@link RestRoute}. */
export type RestHandler<R extends RestRoute> = (
  input: RestInput<R>,
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<HandlerResult<R>> | HandlerResult<R>

/** Options of {@link bindRoute}. */
export interface BindOptions {
  /** Largest request body (bytes) for this route; default the server's. */
  bodyLimit?: number
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The REST contract route a Fastify route serves (for the OpenAPI document). */
    restRoute?: RestRoute
  }
}

/**
 * Serves a route of the REST contract (`core/rest`) with `handler`: Fastify validates params,
 * query and body with the route's zod schemas (a mismatch is a 400 naming the field) before the
 * handler runs, the OpenAPI document describes the route from the same schemas, and the handler's
 * result is type-checked against the response schema. Byte-streaming routes get their own scope
 * with no body parser (any content type; the handler streams `request.raw`), buffered byte
 * routes an `application/octet-stream` parser besides JSON, and neither is compressed.
 *
 * @example
 * bindRoute(app, runApi.get, async ({ params }, request) => (await request.services.tracking()).runs.get(params.id))
 */
export function bindRoute<R extends RestRoute>(
  app: FastifyInstance,
  route: R,
  handler: RestHandler<R>,
  options: BindOptions = {},
): void {
  if (route.bytes !== undefined) {
    void app.register(async (scope) => {
      if (route.bytes === 'stream') {
        // Raw bytes of any type (a .json artifact too): nothing parses or buffers them.
        scope.removeAllContentTypeParsers()
        scope.addContentTypeParser('*', (_request, _payload, done) => done(null))
      } else {
        scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_r, body, done) =>
          done(null, body),
        )
      }
      addRoute(scope, route, handler, options)
    })
    return
  }
  addRoute(app, route, handler, options)
}

/** Options of {@link bindJsonTextRoute}. */
export interface JsonTextBindOptions<R extends RestRoute> extends BindOptions {
  /**
   * Checks the JSON body instead of the route's zod schema (which still describes it in the
   * OpenAPI document): must accept exactly what the schema accepts and return what it returns,
   * and throw `INVALID_ARGUMENT` naming the field and value otherwise. No body is checked as `{}`.
   */
  checkBody: (body: unknown) => RouteBody<R>
}

/**
 * A hot JSON route, served with less per-request machinery than {@link bindRoute} and the same
 * guards (`Host`, `Origin`, authentication, 415 for other content types, the body limit while
 * streaming, bounded nesting — all from the layer): the body is checked by a specialised
 * function (`checkBody`) instead of the generic zod validator and its `preValidation` step, the
 * handler returns the answer's JSON text, sent as is (no serializer), and the answer is not
 * gzipped (no `onSend` hook). For the online feature routes, where that machinery was a visible
 * share of a ~0.2 ms request; see docs/http.md.
 *
 * @example
 * bindJsonTextRoute(app, featureApi.online, async ({ body }) => JSON.stringify(await resolve(body)), { checkBody: checkFeastOnlineRequest })
 */
export function bindJsonTextRoute<R extends RestRoute>(
  app: FastifyInstance,
  route: R,
  handler: (input: RestInput<R>, request: FastifyRequest, reply: FastifyReply) => Promise<string>,
  options: JsonTextBindOptions<R>,
): void {
  if (route.bytes !== undefined || typeof route.response !== 'object')
    throw new Error(`bindJsonTextRoute serves JSON routes only; ${route.method} ${route.path} is not one`)
  const { checkBody } = options
  const schema = fastifySchema(route)
  delete schema.body
  app.route({
    method: route.method,
    url: route.path,
    schema,
    config: { restRoute: route },
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    compress: false,
    handler: async (request, reply) => {
      const body = checkBody(request.body ?? {})
      const input = { params: request.params, query: request.query, body } as RestInput<R>
      const text = await handler(input, request, reply)
      if (route.status !== undefined) reply.code(route.status)
      reply.header('content-type', 'application/json; charset=utf-8')
      return text
    },
  })
}

function addRoute<R extends RestRoute>(
  app: FastifyInstance,
  route: R,
  handler: RestHandler<R>,
  options: BindOptions,
): void {
  const raw = route.response === 'bytes' || route.response === 'event-stream' || route.bytes === 'stream'
  app.route({
    method: route.method,
    url: route.path,
    schema: fastifySchema(route),
    config: { restRoute: route, streamingBody: route.bytes === 'stream' },
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    ...(raw ? { compress: false } : {}),
    ...(route.body === undefined ? {} : { preValidation: noBodyIsEmpty }),
    handler: async (request, reply) => {
      const input = { params: request.params, query: request.query, body: request.body } as RestInput<R>
      const result = await handler(input, request, reply)
      if (route.response === 'event-stream') return reply
      if (route.status !== undefined) reply.code(route.status)
      if (route.response === 'bytes') return sendFile(reply, result as FileReply, pathOf(request.url))
      return result
    },
  })
}

/** A JSON route called without a body gets `{}` (every field of such a body is optional or missing). */
function noBodyIsEmpty(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  if (request.body === undefined) request.body = {}
  done()
}

function sendFile(reply: FastifyReply, file: FileReply, path: string): FastifyReply {
  setArtifactHeaders(reply, file.contentType ?? 'application/octet-stream', path)
  if (file.body instanceof Uint8Array)
    return reply.send(Buffer.from(file.body.buffer, file.body.byteOffset, file.body.byteLength))
  if (file.size !== undefined) reply.header('content-length', file.size)
  return reply.send(Readable.from(file.body, { objectMode: false }))
}

const BINARY = z.string().meta({ format: 'binary' })

/** The Fastify schema of a route: validation of params, query and body, and the OpenAPI parts. */
function fastifySchema(route: RestRoute): FastifySchema {
  const schema: FastifySchema & Record<string, unknown> = { summary: route.summary, tags: [route.tag] }
  if (route.params !== undefined) schema.params = route.params
  if (route.query !== undefined) schema.querystring = route.query
  if (route.body !== undefined) {
    schema.body =
      route.bytes === 'buffered' ? { content: { 'application/json': { schema: route.body } } } : route.body
  }
  const success =
    route.response === 'bytes'
      ? { description: 'the bytes', content: { 'application/octet-stream': { schema: BINARY } } }
      : route.response === 'event-stream'
        ? { description: 'server-sent events', content: { 'text/event-stream': { schema: z.string() } } }
        : route.response
  schema.response = { [route.status ?? 200]: success, '4xx': errorBodySchema, '5xx': errorBodySchema }
  return schema
}

/** The request path without its query, decoded (for an attachment's file name). */
function pathOf(url: string): string {
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}
