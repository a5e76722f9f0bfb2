import type { Strata } from '../platform/index.js'
import { type ApiApp, createApiApp, type Mount } from './api-app.js'
import { coreRoutes } from './core-routes.js'

/**
 * Every router the `strata server` serves, composed over one project. Domain routers
 * (tracking, registry, MLflow compatibility, features, inference) register here.
 */
export function createServerApp(strata: Strata, options: { version: string }): ApiApp {
  const mounts: Mount[] = [{ prefix: '/api', router: coreRoutes(strata, options.version) }]
  return createApiApp(mounts)
}
