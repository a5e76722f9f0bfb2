import type { FastifyInstance } from 'fastify'
import { pipelineApi } from '../core/rest/index.js'
import { summarizePipeline } from '../pipelines/index.js'
import { bindRoute } from './http/index.js'
import { defined } from './rest-input.js'

/**
 * Pipeline routes (`/api/pipelines`, `/api/pipeline-runs…`, see `pipelineApi` and
 * docs/pipelines.md): the declared pipelines, run search in the one search language, a run's
 * step states and its logs, and cancelling a run. Runs start from the CLI, the SDK or triggers.
 */
export async function pipelineRoutes(app: FastifyInstance): Promise<void> {
  bindRoute(app, pipelineApi.list, async (_input, request) => ({
    pipelines: (await (await request.services.pipelines()).list()).map(summarizePipeline),
  }))
  bindRoute(app, pipelineApi.runs, async ({ query }, request) =>
    (await request.services.pipelines()).search(
      defined({
        filter: query.filter,
        orderBy: query.orderBy,
        maxResults: query.maxResults,
        pageToken: query.pageToken,
      }),
    ),
  )
  bindRoute(app, pipelineApi.run, async ({ params }, request) =>
    (await request.services.pipelines()).show(params.id),
  )
  bindRoute(app, pipelineApi.cancel, async ({ params }, request) =>
    (await request.services.pipelines()).cancel(params.id),
  )
  bindRoute(app, pipelineApi.elements, async ({ params, query }, request) => ({
    elements: await (await request.services.pipelines()).elements(
      params.id,
      params.step,
      defined({ status: query.status, offset: query.offset, limit: query.limit }),
    ),
  }))
  bindRoute(app, pipelineApi.logs, async ({ params, query }, request) => ({
    logs: await (await request.services.pipelines()).logs(params.id, query.step),
  }))
}
