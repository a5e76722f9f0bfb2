import type { ModelRegistry } from '../../registry/index.js'
import type { TrackingStore } from '../../tracking/index.js'
import type { Mount } from '../api-app.js'
import { type RequestService, Router } from '../router.js'
import { MLFLOW_ARTIFACTS_PREFIX, mlflowArtifactsRouter } from './mlflow-artifacts-router.js'
import { MLFLOW_ROUTER_OPTIONS } from './mlflow-errors.js'
import { addLoggedModelRoutes } from './mlflow-logged-model-routes.js'
import { addRegistryRoutes } from './mlflow-registry-routes.js'
import { addTrackingRoutes } from './mlflow-tracking-routes.js'

/** Where the MLflow REST API is served; `/ajax-api` mirrors it as MLflow's own server does. */
export const MLFLOW_API_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const

/** The services the MLflow-compatible routers call, acting as each request's principal. */
export interface MlflowServices {
  tracking: RequestService<TrackingStore>
  registry: RequestService<ModelRegistry>
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
  const api = new Router(MLFLOW_ROUTER_OPTIONS)
  addTrackingRoutes(api, services.tracking)
  addLoggedModelRoutes(api, services.tracking)
  addRegistryRoutes(api, services.registry, services.tracking)
  const artifacts = mlflowArtifactsRouter(
    async (req) => (await services.tracking(req)).artifacts,
    services.registry,
  )

  const plain = (body: string) => () =>
    new Response(body, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } })
  const info = new Router(MLFLOW_ROUTER_OPTIONS)
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
