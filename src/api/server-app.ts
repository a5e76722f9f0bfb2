import type { Strata } from '../platform/index.js'
import { type ApiApp, createApiApp, type Mount, type RequestPrincipal } from './api-app.js'
import { coreRoutes } from './core-routes.js'
import { featureRoutes } from './feature-routes.js'
import { mlflowMounts } from './mlflow/index.js'
import { registryMounts } from './registry-routes.js'
import type { ApiRequest } from './router.js'
import { trackingMounts } from './tracking-routes.js'

/** Options of {@link createServerApp}. */
export interface ServerAppOptions {
  /** Reported by `/api/health` and MLflow's `/version`. */
  version: string
  /**
   * Who each request acts as (default: the project's default principal, `strata.principal`,
   * for every request: the server records work as the user who started it, as before
   * authentication exists). An authenticating resolver plugs in here.
   */
  principal?: RequestPrincipal
}

/**
 * Every router the `strata server` serves, composed over one project. Domain routers
 * (tracking, registry, MLflow compatibility, features, inference) register here; each
 * handler gets its services from `strata.as(req.principal)`.
 */
export function createServerApp(strata: Strata, options: ServerAppOptions): ApiApp {
  const as = (req: ApiRequest) => strata.as(req.principal)
  const tracking = (req: ApiRequest) => as(req).tracking()
  const registry = (req: ApiRequest) => as(req).registry()
  const mounts: Mount[] = [
    { prefix: '/api', router: coreRoutes(strata, options.version) },
    ...trackingMounts(tracking),
    ...registryMounts(registry),
    ...mlflowMounts({ tracking, registry, version: options.version }),
  ]
  return createApiApp(
    mounts,
    featureRoutes(() => strata.features()),
    { principal: options.principal ?? (() => strata.principal) },
  )
}
