import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { Strata } from '../platform/index.js'
import { type RequestPrincipal, useAuthentication } from './authentication.js'
import { ChangeFeed } from './change-feed.js'
import { coreRoutes } from './core-routes.js'
import { dataRoutes } from './data-routes.js'
import { deploymentRoutes } from './deployment-routes.js'
import { eventRoutes } from './event-routes.js'
import { experimentRoutes } from './experiment-routes.js'
import { featureCatalogRoutes } from './feature-catalog-routes.js'
import { featureRoutes } from './feature-routes.js'
import {
  createHttpApp,
  type EventStreamOptions,
  type RequestTimeouts,
  spaFallback,
  webUi,
} from './http/index.js'
import { inferenceRoutes } from './inference-routes.js'
import { mlflowRoutes } from './mlflow/index.js'
import { modelRoutes } from './model-routes.js'
import { monitoringRoutes } from './monitoring-routes.js'
import { pipelineRoutes } from './pipeline-routes.js'
import { predictRoutes } from './predict-routes.js'
import { runRoutes } from './run-routes.js'

/** Options of {@link createServerApp}. */
export interface ServerAppOptions {
  /** Reported by `/api/health`, MLflow's `/version` and the OpenAPI document. */
  version: string
  /**
   * Who each request acts as (default: the project's default principal, `strata.principal`,
   * for every request: the server records work as the user who started it, as before
   * authentication exists). An authenticating resolver plugs in here.
   */
  principal?: RequestPrincipal
  /** Host names answered besides the loopback ones (see `HttpAppOptions.allowedHosts`). */
  allowedHosts?: readonly string[]
  /** Origins allowed to call cross-site (CORS); none by default. */
  corsOrigins?: readonly string[]
  /** The built web UI to serve at `/` (its `index.html` and `assets/`); none when unset. */
  webRoot?: string
  /** Request time limits (see {@link RequestTimeouts}). */
  timeouts?: Partial<RequestTimeouts>
  /** Logging (pino): `false` (default) or `{ level, stream }`; lines carry the request id. */
  logger?: FastifyServerOptions['logger']
  /** Event streams of `/api/events` (heartbeat, slow-client bound). */
  events?: EventStreamOptions
}

/**
 * The `strata server` app over one project: the HTTP layer (`createHttpApp`), the
 * authentication hook, and every route — Strata's REST API (health and lineage, experiments,
 * runs, models, live events), the feature server, the MLflow-compatible API and the web UI.
 * Each mounts here in one line: a new router (OIP v2 inference, metrics) is one more
 * `app.register`. Handlers act through `request.services`, the project as the request's principal.
 *
 * @example
 * const app = await createServerApp(strata, { version: '1.0.0' })
 * const res = await app.inject({ method: 'GET', url: '/api/health' })
 */
export async function createServerApp(strata: Strata, options: ServerAppOptions): Promise<FastifyInstance> {
  const app = await createHttpApp({
    version: options.version,
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.webRoot === undefined ? {} : { fallback: spaFallback }),
    ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
  })
  useAuthentication(app, strata, options.principal)
  const changes = new ChangeFeed()
  await app.register(coreRoutes(strata, options.version))
  await app.register(eventRoutes(changes, options.events))
  await app.register(async (rest) => {
    changes.watch(rest)
    await rest.register(experimentRoutes)
    await rest.register(runRoutes)
    await rest.register(modelRoutes)
    await rest.register(deploymentRoutes)
    await rest.register(pipelineRoutes)
    await rest.register(dataRoutes)
    await rest.register(featureCatalogRoutes)
    await rest.register(monitoringRoutes)
  })
  await app.register(featureRoutes(() => strata.features()))
  await app.register(mlflowRoutes({ version: options.version, changes }))
  await app.register(inferenceRoutes({ server: () => strata.serving(), version: options.version }))
  await app.register(predictRoutes(() => strata.serving()))
  if (options.webRoot !== undefined) await webUi(app, { root: options.webRoot })
  return app
}
