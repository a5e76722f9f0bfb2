/**
 * The benchmarked routes, framework-neutral: request schemas (zod, declared once as the
 * migration would) and handlers that call the real services from src/. The Fastify and Hono
 * apps of `http-frameworks.bench.ts` mount these; today's server serves the same paths through
 * `createServerApp`.
 */
import { z } from 'zod'
import { createFeastOnlineHandler, type FeastOnlineResponse } from '../src/api/feast/index.js'
import { MLFLOW_ERROR_CODES, MlflowMessage } from '../src/api/mlflow/index.js'
import { runJson } from '../src/api/mlflow/mlflow-json.js'
import { errorMessage, isStrataError, StrataError } from '../src/core/errors.js'
import type { HttpBenchServices } from './http-frameworks.setup.js'

/**
 * The servers the bench compares by default: the node:http stack `strata server` ran before
 * issue 17 (`node`, frozen in bench/legacy/), the real `strata server` of now (`strata`: Fastify
 * with every route), and the step-1 prototypes on Fastify and Hono.
 */
export const FRAMEWORKS = ['node', 'strata', 'fastify', 'hono'] as const
/**
 * Every server the bench can start: also `hono-nolimit`, Hono without its `bodyLimit`
 * middleware — not a safe configuration (a chunked body is unbounded), it shows what that
 * middleware costs (reading `c.req.raw.body` leaves `@hono/node-server`'s buffered fast path).
 */
export const SERVERS = [...FRAMEWORKS, 'hono-nolimit'] as const
/** One of {@link SERVERS}. */
export type Framework = (typeof SERVERS)[number]

/** Path of the online feature route (Feast's `get-online-features` body). */
export const ONLINE_PATH = '/features/online'
/** Path of MLflow's `runs/get` (a small JSON read). */
export const RUNS_GET_PATH = '/api/2.0/mlflow/runs/get'
/** Prefix of the MLflow artifact proxy's file routes. */
export const ARTIFACTS_PATH = '/api/2.0/mlflow-artifacts/artifacts'

/** Largest JSON body of the online route, as today's text route (1 MiB). */
export const ONLINE_BODY_LIMIT = 1024 * 1024

/** Request body of `POST /features/online`: the route-level schema validation and OpenAPI would use. */
export const onlineBody = z.object({
  features: z.array(z.string()).optional(),
  feature_service: z.string().nullable().optional(),
  entities: z.record(z.string(), z.array(z.unknown())),
  full_feature_names: z.boolean().optional(),
  request_context: z.record(z.string(), z.array(z.unknown())).optional(),
})

/** Query of `GET runs/get`: MLflow sends `run_id` (old clients `run_uuid`). */
export const runsGetQuery = z.object({ run_id: z.string().optional(), run_uuid: z.string().optional() })

/**
 * The acting principal of a request, as the authentication hook will set it: local mode (no
 * tokens configured) makes everyone `local`; a bearer token names its holder. Runs on every
 * request of both framework apps, so the hook's per-request cost is in the figures.
 */
export function authenticate(authorization: string | undefined): { id: string } {
  if (authorization === undefined || !authorization.startsWith('Bearer ')) return { id: 'local' }
  return { id: `token:${authorization.slice(7, 15)}` }
}

/** Compress responses from this size up, when the client accepts it ("gzip where it pays"). */
export const COMPRESS_THRESHOLD = 1024

/** A downloadable artifact: its size and its bytes, streamed. */
export interface ArtifactFile {
  size: number | undefined
  body: AsyncIterable<Uint8Array>
}

/** The handlers every bench app mounts, over the real services. */
export interface BenchHandlers {
  online(body: z.infer<typeof onlineBody>): Promise<FeastOnlineResponse>
  getRun(query: Record<string, unknown>): Promise<unknown>
  putArtifact(path: string, body: AsyncIterable<Uint8Array>): Promise<Record<string, never>>
  getArtifact(path: string): Promise<ArtifactFile>
}

/** The handlers over `services` (the same code paths `createServerApp` calls). */
export function benchHandlers(services: HttpBenchServices): BenchHandlers {
  const online = createFeastOnlineHandler(services.features)
  const tracking = () => services.strata.tracking()
  return {
    online: (body) => online(body),
    getRun: async (query) => ({
      run: runJson(await (await tracking()).runs.get(MlflowMessage.of(query).runId())),
    }),
    putArtifact: async (path, body) => {
      await (await tracking()).artifacts.put(path, body)
      return {}
    },
    getArtifact: async (path) => {
      const store = (await tracking()).artifacts
      const [stat, body] = [await store.stat(path), await store.get(path)]
      return { size: stat?.size, body }
    },
  }
}

/**
 * A thrown value as a StrataError: the framework's own client errors (413, 415, malformed JSON,
 * failed validation) keep their status in `details.httpStatus`.
 */
export function asStrataError(err: unknown): StrataError {
  if (isStrataError(err)) return err
  const status =
    (err as { statusCode?: unknown; status?: unknown }).statusCode ?? (err as { status?: unknown }).status
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new StrataError('INVALID_ARGUMENT', errorMessage(err), { details: { httpStatus: status } })
  }
  return new StrataError('INTERNAL', errorMessage(err), { cause: err })
}

/** MLflow's error body and status for a thrown value (the protocol routers' wire format). */
export function mlflowErrorOf(err: unknown): {
  status: number
  body: { error_code: string; message: string }
} {
  const e = asStrataError(err)
  const mapped = MLFLOW_ERROR_CODES[e.code]
  const status = (e.details?.httpStatus as number | undefined) ?? mapped.status
  return { status, body: { error_code: mapped.errorCode, message: e.message } }
}
