import type { FastifyInstance } from 'fastify'
import { featureApi } from '../core/rest/index.js'
import { bindRoute } from './http/index.js'

/**
 * Reads of the project's feature definitions (`/api/features…`): the inventory `strata features
 * list` shows (with each view's online freshness) and the registered versions of one definition.
 */
export async function featureCatalogRoutes(app: FastifyInstance): Promise<void> {
  bindRoute(app, featureApi.inventory, async (_input, request) => ({
    items: await (await request.services.features()).inventory(),
  }))
  bindRoute(app, featureApi.versions, async ({ params }, request) => ({
    items: await (await request.services.features()).registry.versions(params.kind, params.name),
  }))
}
