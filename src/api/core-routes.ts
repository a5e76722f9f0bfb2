import type { FastifyInstance } from 'fastify'
import { serverApi } from '../core/rest/index.js'
import type { StrataServices } from '../platform/index.js'
import { bindRoute } from './http/index.js'

/** Routes every server has: `GET /api/health`, `GET /api/session` (who am I) and the lineage graph's traversals. */
export function coreRoutes(strata: StrataServices, version: string) {
  return async (app: FastifyInstance): Promise<void> => {
    bindRoute(app, serverApi.health, () => ({
      status: 'ok' as const,
      project: strata.config.project,
      version,
    }))
    bindRoute(app, serverApi.session, (_input, request) => ({
      principal: request.principal.id,
      token: request.principal.token ?? null,
    }))
    bindRoute(app, serverApi.upstream, async ({ params, query }, request) =>
      (await request.services.lineage()).upstream(params.node, query.depth),
    )
    bindRoute(app, serverApi.downstream, async ({ params, query }, request) =>
      (await request.services.lineage()).downstream(params.node, query.depth),
    )
  }
}
