import type { FastifyInstance } from 'fastify'
import { experimentApi } from '../core/rest/index.js'
import { bindRoute } from './http/index.js'
import { defined } from './rest-input.js'

/**
 * Strata's experiment routes (`/api/experiments…`, see `experimentApi` and docs/api.md): plain
 * JSON, camelCase, the domain types as they are.
 */
export async function experimentRoutes(app: FastifyInstance): Promise<void> {
  bindRoute(app, experimentApi.search, async ({ query }, request) =>
    (await request.services.tracking()).experiments.search(
      defined({
        filter: query.filter,
        orderBy: query.orderBy,
        viewType: query.view,
        maxResults: query.maxResults,
        pageToken: query.pageToken,
      }),
    ),
  )
  bindRoute(app, experimentApi.create, async ({ body }, request) =>
    (await request.services.tracking()).experiments.create(
      body.name,
      defined({ artifactLocation: body.artifactLocation, tags: body.tags }),
    ),
  )
  bindRoute(app, experimentApi.getByName, async ({ params }, request) =>
    (await request.services.tracking()).experiments.getByName(params.name),
  )
  bindRoute(app, experimentApi.get, async ({ params }, request) =>
    (await request.services.tracking()).experiments.get(params.id),
  )
  bindRoute(app, experimentApi.rename, async ({ params, body }, request) => {
    const t = await request.services.tracking()
    await t.experiments.rename(params.id, body.name)
    return t.experiments.get(params.id)
  })
  bindRoute(app, experimentApi.delete, async ({ params }, request) => {
    await (await request.services.tracking()).experiments.delete(params.id)
    return {}
  })
  bindRoute(app, experimentApi.restore, async ({ params }, request) => {
    const t = await request.services.tracking()
    await t.experiments.restore(params.id)
    return t.experiments.get(params.id)
  })
  bindRoute(app, experimentApi.setTag, async ({ params, body }, request) => {
    await (await request.services.tracking()).experiments.setTag(params.id, params.key, body.value)
    return {}
  })
}
