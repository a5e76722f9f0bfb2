import type { FastifyInstance } from 'fastify'
import { runApi } from '../core/rest/index.js'
import type { Run, TrackingStore } from '../tracking/index.js'
import { recordedUser } from './authentication.js'
import { bindRoute } from './http/index.js'
import { defined } from './rest-input.js'

/**
 * Strata's run routes (`/api/runs…`, see `runApi` and docs/api.md): start, search, update, end,
 * log, metric history, artifacts streamed in and out, and side-by-side comparison.
 */
export async function runRoutes(app: FastifyInstance): Promise<void> {
  bindRoute(app, runApi.list, async ({ query }, request) =>
    (await request.services.tracking()).runs.search({
      ...defined({
        filter: query.filter,
        orderBy: query.orderBy,
        maxResults: query.maxResults,
        pageToken: query.pageToken,
      }),
      experimentIds: query.experimentId.length > 0 ? query.experimentId : ['0'],
      viewType: query.view ?? 'active',
    }),
  )
  bindRoute(app, runApi.search, async ({ body }, request) =>
    (await request.services.tracking()).runs.search({
      ...defined({
        filter: body.filter,
        orderBy: body.orderBy,
        maxResults: body.maxResults,
        pageToken: body.pageToken,
      }),
      experimentIds: body.experimentIds ?? ['0'],
      viewType: body.view ?? 'active',
    }),
  )
  bindRoute(app, runApi.start, async ({ body }, request) => {
    const t = await request.services.tracking()
    const handle = await t.startRun(
      defined({
        experiment: body.experiment,
        experimentId: body.experimentId,
        name: body.name,
        parent: body.parentRunId,
        userId: recordedUser(request, body.userId),
        tags: body.tags,
      }),
    )
    return t.runs.get(handle.runId)
  })
  bindRoute(app, runApi.get, async ({ params }, request) =>
    (await request.services.tracking()).runs.get(params.id),
  )
  bindRoute(app, runApi.update, async ({ params, body }, request) =>
    (await request.services.tracking()).runs.update(
      params.id,
      defined({ status: body.status, endTime: body.endTime, runName: body.name }),
    ),
  )
  bindRoute(app, runApi.end, async ({ params, body }, request) =>
    (await request.services.tracking()).runs.end(params.id, body.status ?? 'FINISHED'),
  )
  bindRoute(app, runApi.delete, async ({ params }, request) => {
    await (await request.services.tracking()).runs.delete(params.id)
    return {}
  })
  bindRoute(app, runApi.restore, async ({ params }, request) => {
    const t = await request.services.tracking()
    await t.runs.restore(params.id)
    return t.runs.get(params.id)
  })
  bindRoute(app, runApi.log, async ({ params, body }, request) => {
    await (await request.services.tracking()).runs.logBatch(params.id, {
      metrics: (body.metrics ?? []).map((m) => ({
        key: m.key,
        value: m.value,
        ...defined({ step: m.step, timestamp: m.timestamp }),
      })),
      params: Object.entries(body.params ?? {}).map(([key, value]) => ({ key, value: String(value) })),
      tags: Object.entries(body.tags ?? {}).map(([key, value]) => ({ key, value })),
    })
    return {}
  })
  bindRoute(app, runApi.metricHistory, async ({ params, query }, request) =>
    (await request.services.tracking()).runs.metricHistory(
      params.id,
      params.key,
      defined({ maxResults: query.maxResults, pageToken: query.pageToken }),
    ),
  )
  bindRoute(app, runApi.sampledHistory, async ({ params, query }, request) => ({
    items: await (await request.services.tracking()).runs.downsampledHistory(
      query.runId,
      params.key,
      defined({ maxResults: query.maxResults, startStep: query.startStep, endStep: query.endStep }),
    ),
  }))
  bindRoute(app, runApi.listArtifacts, async ({ params, query }, request) =>
    (await request.services.tracking()).runs.listArtifacts(params.id, query.path ?? ''),
  )
  bindRoute(app, runApi.getArtifact, async ({ params }, request) => {
    const t = await request.services.tracking()
    return { body: await t.runs.openArtifact(params.id, params['*']) }
  })
  bindRoute(app, runApi.putArtifact, async ({ params }, request) => {
    await (await request.services.tracking()).runs.logArtifact(params.id, params['*'], request.raw)
    return {}
  })
  bindRoute(app, runApi.compare, async ({ params, query }, request) =>
    compareRuns(await request.services.tracking(), [params.id, ...query.with]),
  )
}

/** Params and latest metrics of several runs side by side: `{ runs, params: {key: {runId: value}}, metrics }`. */
async function compareRuns(tracking: TrackingStore, runIds: string[]) {
  const runs: Run[] = []
  for (const id of runIds) runs.push(await tracking.runs.get(id))
  const side = <V>(pick: (r: Run) => Record<string, V>) => {
    const out: Record<string, Record<string, V>> = {}
    for (const r of runs) {
      for (const [k, v] of Object.entries(pick(r))) {
        const row = out[k] ?? {}
        row[r.info.runId] = v
        out[k] = row
      }
    }
    return out
  }
  return {
    runs: runs.map((r) => r.info),
    params: side((r) => r.data.params),
    metrics: side((r) => Object.fromEntries(Object.entries(r.data.metrics).map(([k, p]) => [k, p.value]))),
  }
}
