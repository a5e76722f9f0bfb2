import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorCode, isStrataError, StrataError } from '../core/errors.js'
import { inferenceApi, oipErrorSchema, type RestRoute } from '../core/rest/index.js'
import type { ModelServer, ServedModel } from '../serving/index.js'
import { decodeInferRequest, encodeInferResponse } from './inference/index.js'

/** The response header carrying the prediction id of an inference (also `parameters.prediction_id`). */
export const PREDICTION_ID_HEADER = 'strata-prediction-id'

/** Largest inference request body (bytes). */
const MAX_INFER_BYTES = 64 * 1024 * 1024

/** The protocol's status for each error code (Triton's mapping: client mistakes are 400). */
const OIP_STATUS: Record<ErrorCode, number> = {
  NOT_FOUND: 404,
  ALREADY_EXISTS: 400,
  INVALID_ARGUMENT: 400,
  CONFLICT: 400,
  FAILED_PRECONDITION: 400,
  UNSUPPORTED: 501,
  UNAVAILABLE: 503,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  DATA_LOSS: 500,
  USER_CODE: 500,
  INTERNAL: 500,
}

/** Content types a browser sends cross-site without a CORS preflight. */
const CROSS_SITE_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']

/** Options of {@link inferenceRoutes}. */
export interface InferenceRoutesOptions {
  /** The model server (opened on first use). */
  server: () => Promise<ModelServer>
  /** Reported by the server metadata route. */
  version: string
}

type Params = { name: string; version?: string }

/**
 * The Open Inference Protocol v2 REST routes (`inferenceApi`): health, server and model
 * metadata, model readiness and inference on versioned and unversioned paths, with Triton's
 * binary tensor extension and gzip/deflate bodies, as the stock `tritonclient` and KServe
 * clients speak them. Their own scope parses any body as bytes (tritonclient sends no content
 * type) and answers every error in the protocol's `{"error": "…"}` body: 400 for a client's
 * mistake, 404 for a model or version that is not served, 503 when not ready. `GET /metrics`
 * answers the model server's Prometheus metrics.
 */
export function inferenceRoutes(options: InferenceRoutesOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers()
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_INFER_BYTES }, (_r, body, done) =>
        done(null, body),
      )
      // A page may POST these cross-site without a preflight: refused, as on every JSON route
      // (tritonclient sends no content type, KServe's client JSON or octet-stream).
      scope.addContentTypeParser(CROSS_SITE_TYPES, (request, _payload, done) =>
        done(
          Object.assign(
            new Error(
              `content type "${request.headers['content-type']}" is not accepted; send application/json, application/octet-stream or none`,
            ),
            { statusCode: 415 },
          ),
        ),
      )
      scope.setErrorHandler((err, request, reply) => sendError(err, request, reply))
      const route = <R extends RestRoute>(
        contract: R,
        handler: (params: Params, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
      ) =>
        scope.route({
          method: contract.method,
          url: contract.path,
          config: { restRoute: contract },
          schema: {
            summary: contract.summary,
            tags: [contract.tag],
            ...(contract.params === undefined ? {} : { params: contract.params }),
            response: { 200: contract.response, '4xx': oipErrorSchema, '5xx': oipErrorSchema },
          },
          bodyLimit: MAX_INFER_BYTES,
          handler: async (request, reply) => {
            const params = request.params as Params
            const body = await handler(params, request, reply)
            // a handler that answered through `reply` (binary bodies) returns it, a thenable
            if (reply.sent) return reply
            return reply.type('application/json').send(JSON.stringify(body))
          },
        })
      const metadata = async ({ name, version }: Params) => {
        const served = (await options.server()).model(name, version)
        return modelMetadata(name, served)
      }
      const ready = async ({ name, version }: Params) => {
        ;(await options.server()).model(name, version)
        return { name, ready: true }
      }
      const infer = async ({ name, version }: Params, request: FastifyRequest, reply: FastifyReply) => {
        const server = await options.server()
        const served = server.model(name, version)
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
        if (body.byteLength === 0)
          throw new StrataError('INVALID_ARGUMENT', 'the inference request has no body')
        const decoded = decodeInferRequest(body, request.headers['inference-header-content-length'], served)
        const result = await server.infer(name, version, { ...decoded.request, requestId: request.id })
        const encoded = encodeInferResponse(result, decoded.binaryOutputs)
        reply.type(encoded.contentType)
        reply.header(PREDICTION_ID_HEADER, result.predictionId)
        if (encoded.headerLength !== undefined)
          reply.header('inference-header-content-length', encoded.headerLength)
        return reply.send(encoded.body)
      }
      route(inferenceApi.serverMetadata, async () => ({
        name: 'strata',
        version: options.version,
        extensions: ['binary_tensor_data'],
      }))
      route(inferenceApi.live, async () => ({ live: true }))
      route(inferenceApi.ready, async () => {
        await options.server()
        return { ready: true }
      })
      route(inferenceApi.listModels, async () => ({
        models: (await options.server()).list().map((m) => m.name),
      }))
      route(inferenceApi.modelMetadata, metadata)
      route(inferenceApi.versionMetadata, metadata)
      route(inferenceApi.modelReady, ready)
      route(inferenceApi.versionReady, ready)
      route(inferenceApi.infer, infer)
      route(inferenceApi.versionInfer, infer)
      // Prometheus text, outside the JSON contract (and the OpenAPI document)
      scope.get('/metrics', async (_request, reply) =>
        reply
          .type('text/plain; version=0.0.4; charset=utf-8')
          .send(await options.server().then((server) => server.metrics.render(server.payloadStats()))),
      )
    })
  }
}

function modelMetadata(name: string, served: ServedModel) {
  return {
    name,
    versions: [String(served.version)],
    platform: served.platform,
    inputs: served.inputs,
    outputs: served.outputs,
  }
}

function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let status: number
  let message: string
  if (isStrataError(err)) {
    status = OIP_STATUS[err.code]
    message = err.message
  } else {
    const e = err as { statusCode?: number; message?: string; code?: string }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      // Fastify's own client errors: body too large, bad content encoding, …
      status = e.statusCode
      message = e.message ?? 'bad request'
    } else {
      status = 500
      message = `internal error (request ${request.id})`
    }
  }
  if (status >= 500) request.log.error({ err }, message)
  return reply
    .code(status)
    .type('application/json')
    .send(JSON.stringify({ error: message }))
}
