import type { FastifyInstance } from 'fastify'
import { dataApi } from '../core/rest/index.js'
import { previewTable } from '../data/index.js'
import { bindRoute } from './http/index.js'
import { defined } from './rest-input.js'

/**
 * Strata's versioned-data routes (`/api/datasets…`, `/api/commits/:id`, see `dataApi`): reads
 * for the web UI and other clients — datasets with branches and tags, history, a commit's files,
 * a table preview read through the server's table engine, and diffs. Writes stay in the CLI.
 */
export async function dataRoutes(app: FastifyInstance): Promise<void> {
  bindRoute(app, dataApi.list, async (_input, request) => ({
    items: await (await request.services.data()).listDatasets(),
  }))
  bindRoute(app, dataApi.get, async ({ params }, request) => {
    const data = await request.services.data()
    const [dataset, refs] = await Promise.all([data.getDataset(params.name), data.refs(params.name)])
    return { dataset, refs }
  })
  bindRoute(app, dataApi.log, async ({ params, query }, request) => ({
    items: await (await request.services.data()).log(
      params.name,
      defined({
        ref: query.ref,
        paths: query.path.length > 0 ? query.path : undefined,
        limit: query.maxResults,
      }),
    ),
  }))
  bindRoute(app, dataApi.files, async ({ params, query }, request) => {
    const data = await request.services.data()
    const commit = await data.resolve(params.name, params.ref)
    return { commit, items: await data.files(params.name, commit.id, defined({ prefix: query.prefix })) }
  })
  bindRoute(app, dataApi.preview, async ({ params, query }, request) => {
    const data = await request.services.data()
    const commit = await data.resolve(params.name, params.ref)
    const entry = await data.stat(params.name, commit.id, query.path)
    const local = await data.localFile(params.name, commit.id, query.path)
    const preview = await previewTable(await request.services.offline(), local, query.path, query.limit)
    return { path: query.path, commit: commit.id, ...preview, totalRows: entry.table?.rows ?? null }
  })
  bindRoute(app, dataApi.diff, async ({ params, query }, request) =>
    (await request.services.data()).diff(
      params.name,
      query.from ?? null,
      query.to,
      defined({ key: query.key.length > 0 ? query.key : undefined }),
    ),
  )
  bindRoute(app, dataApi.commit, async ({ params }, request) =>
    (await request.services.data()).getCommit(params.id),
  )
}
