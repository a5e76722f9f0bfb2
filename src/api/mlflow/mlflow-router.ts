import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify'
import type { ChangeFeed } from '../change-feed.js'
import { wireJson } from '../http/index.js'
import { MLFLOW_ARTIFACTS_PREFIX, mlflowArtifactRoutes } from './mlflow-artifacts-router.js'
import { mlflowErrorHandler, useMlflowErrors, useMlflowHeaders } from './mlflow-errors.js'
import { addLoggedModelRoutes } from './mlflow-logged-model-routes.js'
import { MlflowMessage } from './mlflow-message.js'
import { addRegistryRoutes } from './mlflow-registry-routes.js'
import { addTrackingRoutes } from './mlflow-tracking-routes.js'
import { addDownloadRoutes, addUiArtifactRoutes, addUiRpcs } from './mlflow-ui-routes.js'

/** Where the MLflow REST API is served; `/ajax-api` mirrors it as MLflow's own server does. */
export const MLFLOW_API_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const

/**
 * Registers one MLflow RPC: `handler` gets the request message (query string for GET, JSON body
 * otherwise) and the request (its `services` act as the request's principal), and returns the
 * proto-shaped JSON answer.
 */
export type MlflowRpc = (
  method: HTTPMethods,
  path: string,
  handler: (message: MlflowMessage, request: FastifyRequest) => Promise<unknown>,
) => void

/**
 * The RPCs a logging client calls once per value, whose answer is `{}` or a few fields: they are
 * never gzipped (an answer under the compression threshold is not anyway), so they skip the
 * compression hook that every other route runs on each request.
 */
const SMALL_ANSWERS: ReadonlySet<string> = new Set([
  '/runs/log-metric',
  '/runs/log-batch',
  '/runs/log-parameter',
  '/runs/set-tag',
  '/runs/delete-tag',
  '/runs/update',
])

/** Options of {@link mlflowRoutes}. */
export interface MlflowRoutesOptions {
  /** Reported by `GET /version`. */
  version: string
  /** Publishes the API's successful writes (live views of runs logged by MLflow clients). */
  changes?: ChangeFeed
}

/**
 * Every MLflow-compatible route: the tracking + registry API under `/api/2.0/mlflow` (and its
 * `/ajax-api` mirror), the artifact proxy under `/api/2.0/mlflow-artifacts`, and MLflow's
 * plain routes `/health`, `/version` and `/api/3.0/mlflow/server-info`. Errors and unknown
 * endpoints answer in MLflow's wire format. Point the stock client at the server with
 * `MLFLOW_TRACKING_URI=http://127.0.0.1:5000`.
 */
export function mlflowRoutes(options: MlflowRoutesOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    for (const prefix of MLFLOW_API_PREFIXES) {
      await app.register(
        async (api) => {
          useMlflowErrors(api)
          options.changes?.watch(api)
          const rpc: MlflowRpc = (method, url, handler) =>
            api.route({
              method,
              url,
              ...(SMALL_ANSWERS.has(url) ? { compress: false } : {}),
              handler: async (request, reply) => {
                const answer = await handler(MlflowMessage.read(request), request)
                // Serialized here: no serializer lookup (the onSend hook sets MLflow's bare content type).
                reply.header('content-type', 'application/json')
                return wireJson(answer)
              },
            })
          addTrackingRoutes(rpc)
          addLoggedModelRoutes(rpc)
          addRegistryRoutes(rpc)
          addUiRpcs(rpc)
          await addUiArtifactRoutes(api)
        },
        { prefix },
      )
    }
    await app.register(
      async (artifacts) => {
        useMlflowErrors(artifacts)
        options.changes?.watch(artifacts)
        mlflowArtifactRoutes(artifacts)
      },
      { prefix: MLFLOW_ARTIFACTS_PREFIX },
    )
    await app.register(
      async (info) => {
        useMlflowErrors(info)
        // Multipart transfers are off: the client then uploads each file with one streamed PUT.
        info.get('/server-info', async () => ({
          multipart_uploads_enabled: false,
          multipart_downloads_enabled: false,
        }))
      },
      { prefix: '/api/3.0/mlflow' },
    )
    await app.register(async (downloads) => {
      // Only the error handler: the root's misses belong to the web UI.
      useMlflowHeaders(downloads)
      downloads.setErrorHandler(mlflowErrorHandler)
      addDownloadRoutes(downloads)
    })
    app.get('/health', (_request, reply) => reply.type('text/plain; charset=utf-8').send('OK'))
    app.get('/version', (_request, reply) => reply.type('text/plain; charset=utf-8').send(options.version))
  }
}
