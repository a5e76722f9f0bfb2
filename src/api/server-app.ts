import type { Strata } from '../platform/index.js'
import { ModelRegistry } from '../registry/index.js'
import { TrackingStore } from '../tracking/index.js'
import { type ApiApp, createApiApp, type Mount } from './api-app.js'
import { coreRoutes } from './core-routes.js'
import { mlflowMounts } from './mlflow/index.js'
import { registryMounts } from './registry-routes.js'
import { trackingMounts } from './tracking-routes.js'

/**
 * Every router the `strata server` serves, composed over one project. Domain routers
 * (tracking, registry, MLflow compatibility, features, inference) register here.
 */
export function createServerApp(strata: Strata, options: { version: string }): ApiApp {
  const tracking = lazy(
    async () => new TrackingStore({ metadata: await strata.metadata(), blobs: await strata.blobs() }),
  )
  const registry = lazy(
    async () => new ModelRegistry({ metadata: await strata.metadata(), blobs: await strata.blobs() }),
  )
  const mounts: Mount[] = [
    { prefix: '/api', router: coreRoutes(strata, options.version) },
    ...trackingMounts(tracking),
    ...registryMounts(registry),
    ...mlflowMounts({ tracking, registry, version: options.version }),
  ]
  return createApiApp(mounts)
}

/** Opens a service once, on first use; a failed open is retried on the next call. */
function lazy<T>(open: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined
  return () => {
    if (pending === undefined) {
      pending = open()
      pending.catch(() => {
        pending = undefined
      })
    }
    return pending
  }
}
