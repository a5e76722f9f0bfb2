import type { ModelRegistry } from '../../registry/index.js'
import type { TrackingStore } from '../../tracking/index.js'
import type { Mount } from '../api-app.js'
import { Router } from '../router.js'
import { MLFLOW_ARTIFACTS_PREFIX, mlflowArtifactsRouter } from './mlflow-artifacts-router.js'
import { mlflowErrorFormatter } from './mlflow-errors.js'
import { addLoggedModelRoutes } from './mlflow-logged-model-routes.js'
import { addRegistryRoutes } from './mlflow-registry-routes.js'
import { addTrackingRoutes } from './mlflow-tracking-routes.js'

/** Where the MLflow REST API is served; `/ajax-api` mirrors it as MLflow's own server does. */
export const MLFLOW_API_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const

/** The services the MLflow-compatible routers call, opened lazily on first request. */
export interface MlflowServices {
  tracking(): Promise<TrackingStore>
  registry(): Promise<ModelRegistry>
  /** Reported by `GET /version`. */
  version: string
}

/**
 * Every MLflow-compatible mount: the tracking + registry API under `/api/2.0/mlflow` (and its
 * `/ajax-api` mirror), the artifact proxy under `/api/2.0/mlflow-artifacts`, and MLflow's
 * plain routes `/health`, `/version` and `/api/3.0/mlflow/server-info`. Point the stock client
 * at the server with `MLFLOW_TRACKING_URI=http://127.0.0.1:5000`.
 */
export function mlflowMounts(services: MlflowServices): Mount[] {
  const api: Router = new Router(mlflowErrorFormatter(() => api, MLFLOW_API_PREFIXES))
  addTrackingRoutes(api, services.tracking)
  addLoggedModelRoutes(api, services.tracking)
  addRegistryRoutes(api, services.registry, services.tracking)
  const artifacts = mlflowArtifactsRouter(
    async () => (await services.tracking()).artifacts,
    services.registry,
  )

  const plain = (body: string) => () =>
    new Response(body, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } })
  const info: Router = new Router(mlflowErrorFormatter(() => info, ['/api/3.0/mlflow']))
  // Multipart transfers are off: the client then uploads each file with one streamed PUT.
  info.get('/server-info', () => ({ multipart_uploads_enabled: false, multipart_downloads_enabled: false }))

  return [
    ...MLFLOW_API_PREFIXES.map((prefix) => ({ prefix, router: api })),
    { prefix: MLFLOW_ARTIFACTS_PREFIX, router: artifacts },
    { prefix: '/api/3.0/mlflow', router: info },
    { prefix: '/health', router: new Router().get('/', plain('OK')) },
    { prefix: '/version', router: new Router().get('/', plain(services.version)) },
  ]
}
