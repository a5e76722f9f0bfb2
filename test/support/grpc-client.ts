import {
  type Client,
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  Metadata,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js'
import { loadSync } from '@grpc/proto-loader'
import { INFERENCE_PROTO_PATH } from '../../src/api/index.js'

/** One unary call's answer: the message, or the error, and the server's initial metadata. */
export interface GrpcAnswer {
  // biome-ignore lint/suspicious/noExplicitAny: messages are read loosely in assertions
  message?: any
  error?: ServiceError
  /** The answer's initial metadata (headers), as `key → first value`. */
  headers: Record<string, string>
}

/** A grpc-js client of `inference.GRPCInferenceService`, built from Strata's `.proto`. */
export interface InferenceGrpcClient {
  /** Calls `method` with `request` (and `metadata`: `authorization`, sticky keys); never throws. */
  call(method: string, request: object, metadata?: Record<string, string>): Promise<GrpcAnswer>
  close(): void
}

/** Connects to `address` (`127.0.0.1:port`) in plaintext, as tritonclient.grpc does by default. */
export function inferenceGrpcClient(address: string): InferenceGrpcClient {
  const definition = loadSync(INFERENCE_PROTO_PATH, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  })
  const pkg = loadPackageDefinition(definition).inference as GrpcObject
  const Ctor = pkg.GRPCInferenceService as ServiceClientConstructor
  const client: Client = new Ctor(address, credentials.createInsecure(), {
    'grpc.max_receive_message_length': -1,
    'grpc.max_send_message_length': -1,
  })
  return {
    call: (method, request, metadata = {}) =>
      new Promise((resolve) => {
        const md = new Metadata()
        for (const [k, v] of Object.entries(metadata)) md.set(k, v)
        const headers: Record<string, string> = {}
        const fn = (client as unknown as Record<string, (...a: unknown[]) => { on: Client['getChannel'] }>)[
          method
        ]
        if (fn === undefined) throw new Error(`no method ${method}`)
        const call = fn.call(client, request, md, (error: ServiceError | null, message: unknown) =>
          resolve(error === null ? { message, headers } : { error, headers }),
        ) as unknown as { on(event: 'metadata', cb: (m: Metadata) => void): void }
        call.on('metadata', (m) => {
          for (const [k, v] of Object.entries(m.getMap())) headers[k] = String(v)
        })
      }),
    close: () => client.close(),
  }
}

/** Little-endian bytes of a typed array (raw_input_contents). */
export function rawBytes(values: Float32Array | BigInt64Array | Float64Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength)
}
