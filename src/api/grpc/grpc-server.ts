import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
} from '@grpc/grpc-js'
import { loadSync } from '@grpc/proto-loader'
import { StrataError } from '../../core/errors.js'
import type { StrataServices } from '../../platform/index.js'
import type { ModelServer, ServedModel } from '../../serving/index.js'
import { routeAccess } from '../route-scopes.js'
import { bearerPrincipal } from '../token-authentication.js'
import { decodeGrpcInfer, encodeGrpcInfer, type GrpcInferRequest } from './grpc-infer-codec.js'
import { grpcFailure } from './grpc-status.js'

/** The `.proto` of the service (`proto/inference.proto` of the package): clients may compile it too. */
export const INFERENCE_PROTO_PATH = fileURLToPath(new URL('../../../proto/inference.proto', import.meta.url))

/** The full name of the service. */
export const GRPC_INFERENCE_SERVICE = 'inference.GRPCInferenceService'

/**
 * Largest message in either direction (64 MiB, the REST infer body limit); a larger one fails
 * with RESOURCE_EXHAUSTED. grpc-js's own default is 4 MiB received, unlimited sent.
 */
export const GRPC_MAX_MESSAGE_BYTES = 64 * 1024 * 1024

/** How proto-loader maps the messages: field names as in the proto, 64-bit integers as strings. */
const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true }

/** Options of {@link startGrpcServer}. */
export interface GrpcServerOptions {
  /** The model server (the same one the REST routes answer from; opened on first use). */
  server: () => Promise<ModelServer>
  /** Reported by ServerMetadata. */
  version: string
  /** Interface to bind (default 127.0.0.1). */
  host?: string
  /** Port (default 0: a free one). */
  port?: number
  /** Largest message received or sent (default {@link GRPC_MAX_MESSAGE_BYTES}). */
  maxMessageBytes?: number
  /**
   * Check each call's `authorization: Bearer <token>` metadata against these services' tokens,
   * with the scope its REST twin needs (health public, the rest `read`). Default: none (local mode).
   */
  tokens?: StrataServices
  /** Told every error that is the server's fault (a bug, a model that failed). */
  onError?: (err: unknown, method: string) => void
}

/** A running gRPC server. */
export interface RunningGrpcServer {
  /** `host:port` as clients dial it (`127.0.0.1:8001`, `[::1]:8001`). */
  address: string
  port: number
  /** Stops accepting calls, lets running ones finish (5 s at most), and closes. */
  close(): Promise<void>
}

/** Each RPC's REST twin: its scope comes from the same rule table (`routeAccess`). */
const REST_TWIN = {
  ServerLive: ['GET', '/v2/health/live'],
  ServerReady: ['GET', '/v2/health/ready'],
  ServerMetadata: ['GET', '/v2'],
  ModelReady: ['GET', '/v2/models/:name/ready'],
  ModelMetadata: ['GET', '/v2/models/:name'],
  ModelInfer: ['POST', '/v2/models/:name/infer'],
} as const

type Method = keyof typeof REST_TWIN

/** Headers of an answer that say which version (and deployment revision) answered, as over REST. */
function answerMetadata(result: Awaited<ReturnType<ModelServer['infer']>>): Metadata {
  const md = new Metadata()
  md.set('strata-prediction-id', result.predictionId)
  md.set('strata-model-version', result.modelVersion)
  if (result.deployment !== undefined) {
    md.set('strata-deployment-revision', String(result.deployment.revision))
    md.set('strata-deployment-role', result.deployment.role)
    if (result.deployment.fallback) md.set('strata-deployment-fallback', 'true')
  }
  return md
}

/** A call's metadata as the headers a routed endpoint reads its sticky key from. */
function headersOf(metadata: Metadata): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(metadata.getMap())) if (typeof v === 'string') out[k] = v
  return out
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

/**
 * Serves the Open Inference Protocol v2 over gRPC (`inference.GRPCInferenceService`: ServerLive,
 * ServerReady, ServerMetadata, ModelReady, ModelMetadata, ModelInfer) as a second transport of
 * the model server the REST routes use: the same signature checks, payload log and metrics. Inputs
 * come as `raw_input_contents` (what tritonclient.grpc sends) or typed contents; the answer uses
 * the same form. Errors are gRPC statuses with the REST message: unknown model NOT_FOUND, a bad
 * shape or datatype INVALID_ARGUMENT naming the input, a full batching queue UNAVAILABLE.
 *
 * @example
 * const grpc = await startGrpcServer({ server: () => strata.serving(), version: '1.0.0', port: 8001 })
 * // tritonclient.grpc.InferenceServerClient(grpc.address)
 * await grpc.close()
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const definition = loadSync(INFERENCE_PROTO_PATH, LOADER_OPTIONS)
  const service = definition[GRPC_INFERENCE_SERVICE] as ServiceDefinition
  const max = options.maxMessageBytes ?? GRPC_MAX_MESSAGE_BYTES
  const server = new Server({
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
  })
  const onError = options.onError ?? (() => {})
  const tokens = options.tokens

  const authorize = async (method: Method, metadata: Metadata) => {
    if (tokens === undefined) return
    const [verb, path] = REST_TWIN[method]
    const { access } = routeAccess(verb, path)
    if (access === 'public') return
    const auth = metadata.get('authorization')[0]
    await bearerPrincipal(tokens, access, typeof auth === 'string' ? auth : undefined, {
      action: `call /${GRPC_INFERENCE_SERVICE}/${method}`,
      howToSend: 'send metadata "authorization: Bearer <token>" (create a token with "strata token create")',
    })
  }

  const unary =
    // biome-ignore lint/suspicious/noExplicitAny: proto-loader messages are plain objects typed per handler
      <Req = any>(
        method: Method,
        handler: (request: Req, call: ServerUnaryCall<Req, unknown>) => Promise<unknown>,
      ) =>
      (call: ServerUnaryCall<Req, unknown>, callback: sendUnaryData<unknown>) => {
        authorize(method, call.metadata)
          .then(() => handler(call.request, call))
          .then(
            (response) => callback(null, response),
            (err: unknown) =>
              callback(grpcFailure(err, `/${GRPC_INFERENCE_SERVICE}/${method}`, (e) => onError(e, method))),
          )
      }

  server.addService(service, {
    ServerLive: unary('ServerLive', async () => ({ live: true })),
    ServerReady: unary('ServerReady', async () => {
      try {
        await options.server()
        return { ready: true }
      } catch (err) {
        onError(err, 'ServerReady')
        return { ready: false }
      }
    }),
    ServerMetadata: unary('ServerMetadata', async () => ({
      name: 'strata',
      version: options.version,
      extensions: [],
    })),
    // Like Triton: a model that is not served is not ready (not an error), so
    // tritonclient's is_model_ready answers False, as over REST.
    ModelReady: unary<{ name: string; version: string }>('ModelReady', async ({ name, version }) => {
      const server = await options.server()
      try {
        server.model(name, version === '' ? undefined : version)
        return { ready: true }
      } catch {
        return { ready: false }
      }
    }),
    ModelMetadata: unary<{ name: string; version: string }>('ModelMetadata', async ({ name, version }) => {
      if (name === '') throw new StrataError('INVALID_ARGUMENT', 'name is empty; name the model')
      const served = (await options.server()).model(name, version === '' ? undefined : version)
      return modelMetadata(name, served)
    }),
    ModelInfer: unary<GrpcInferRequest>('ModelInfer', async (message, call) => {
      const decoded = decodeGrpcInfer(message)
      const server = await options.server()
      server.model(decoded.name, decoded.version)
      const result = await server.infer(
        decoded.name,
        decoded.version,
        { ...decoded.request, requestId: `grpc-${randomUUID()}` },
        { headers: headersOf(call.metadata) },
      )
      call.sendMetadata(answerMetadata(result))
      return encodeGrpcInfer(result, decoded.raw)
    }),
  })

  const host = options.host ?? '127.0.0.1'
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${shown}:${options.port ?? 0}`, ServerCredentials.createInsecure(), (err, bound) =>
      err === null ? resolve(bound) : reject(err),
    ),
  ).catch((err: Error) => {
    throw new StrataError(
      /in use/i.test(err.message) ? 'FAILED_PRECONDITION' : 'UNAVAILABLE',
      `cannot serve gRPC on ${shown}:${options.port ?? 0}: ${err.message}; pick another with --grpc-port`,
      { cause: err },
    )
  })
  return {
    address: `${shown}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 5_000)
        server.tryShutdown(() => {
          clearTimeout(force)
          resolve()
        })
      }),
  }
}
