import type { Strata } from '../platform/index.js'
import { type ApiApp, createApiApp, type Mount } from './api-app.js'
import { coreRoutes } from './core-routes.js'
import { featureRoutes } from './feature-routes.js'
import { mlflowMounts } from './mlflow/index.js'
import { registryMounts } from './registry-routes.js'
import { trackingMounts } from './tracking-routes.js'

/**
 * Every router the `strata server` serves, composed over one project. Domain routers
 * (tracking, registry, MLflow compatibility, features, inference) register here.
 */
export function createServerApp(strata: Strata, options: { version: string }): ApiApp {
  const tracking = () => strata.tracking()
  const registry = () => strata.registry()
  const mounts: Mount[] = [
    { prefix: '/api', router: coreRoutes(strata, options.version) },
    ...trackingMounts(tracking),
    ...registryMounts(registry),
    ...mlflowMounts({ tracking, registry, version: options.version }),
  ]
  return createApiApp(
    mounts,
    featureRoutes(() => strata.features()),
  )
}
