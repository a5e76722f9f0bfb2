import type { FastifyInstance } from 'fastify'
import { deploymentApi } from '../core/rest/index.js'
import type { CreateDeploymentInput, DeliveryService } from '../serving/index.js'
import { bindRoute } from './http/index.js'
import { defined } from './rest-input.js'

/**
 * Progressive delivery routes (`/api/deployments…`, see `deploymentApi` and docs/delivery.md):
 * status, history with evidence, creating revisions and rollouts, and the manual controls.
 * Every change acts as the request's principal; a running `strata server` puts it in force
 * on every replica within one tick.
 */
export async function deploymentRoutes(app: FastifyInstance): Promise<void> {
  const delivery = (request: { services: { delivery(): Promise<DeliveryService> } }) =>
    request.services.delivery()
  bindRoute(app, deploymentApi.list, async (_input, request) => ({
    deployments: await (await delivery(request)).list(),
  }))
  bindRoute(app, deploymentApi.get, async ({ params }, request) =>
    (await delivery(request)).status(params.name),
  )
  bindRoute(app, deploymentApi.history, async ({ params }, request) =>
    (await delivery(request)).history(params.name),
  )
  bindRoute(app, deploymentApi.create, async ({ params, body }, request) =>
    (await delivery(request)).create(params.name, defined(body) as CreateDeploymentInput),
  )
  for (const verb of ['promote', 'rollback', 'pause', 'resume', 'abort'] as const) {
    bindRoute(app, deploymentApi[verb], async ({ params, body }, request) =>
      (await delivery(request))[verb](params.name, defined({ reason: body.reason })),
    )
  }
}
