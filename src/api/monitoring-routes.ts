import type { FastifyInstance } from 'fastify'
import { monitoringApi } from '../core/rest/index.js'
import type { MonitoringService } from '../monitoring/index.js'
import { bindRoute } from './http/index.js'
import { defined } from './rest-input.js'

/** Largest labels request body (bytes): up to 100,000 labels. */
const LABELS_BODY_LIMIT = 16 * 1024 * 1024

/**
 * Monitoring routes (`/api/monitors…`, `/api/monitoring…`, see `monitoringApi` and
 * docs/monitoring.md): the applied monitors with their latest window, a monitor's results over
 * time and one window's report; delayed labels by prediction id or entity + time (joined to
 * payload-log windows as the column `label`); the closed retrain loops with their timelines.
 * Acts as the request's principal.
 */
export async function monitoringRoutes(app: FastifyInstance): Promise<void> {
  const monitoring = (request: { services: { monitoring(): Promise<MonitoringService> } }) =>
    request.services.monitoring()
  bindRoute(
    app,
    monitoringApi.ingestLabels,
    async ({ body }, request) =>
      (await monitoring(request)).ingestLabels(
        body.labels.map((l) =>
          'prediction_id' in l ? { predictionId: l.prediction_id, label: l.label } : l,
        ),
      ),
    { bodyLimit: LABELS_BODY_LIMIT },
  )
  bindRoute(app, monitoringApi.loops, async ({ query }, request) => ({
    // (a copy of the action: the contract's loose object takes any declared field)
    loops: (await (await monitoring(request)).loops(defined(query))).map((l) => ({
      ...l,
      action: { ...l.action },
    })),
  }))
  bindRoute(app, monitoringApi.list, async (_input, request) => {
    const monitoring = await request.services.monitoring()
    const monitors = []
    for (const m of await monitoring.list()) {
      const [latest] = await monitoring.history(m.name, { limit: 1 })
      monitors.push({
        name: m.name,
        model: m.model,
        schedule: m.schedule ?? null,
        window: m.window.every,
        latest: latest ?? null,
      })
    }
    return { monitors }
  })
  bindRoute(app, monitoringApi.history, async ({ params, query }, request) => {
    const monitoring = await request.services.monitoring()
    await monitoring.get(params.name) // NOT_FOUND for a monitor never applied, not an empty history
    return {
      results: await monitoring.history(params.name, query.limit === undefined ? {} : { limit: query.limit }),
    }
  })
  bindRoute(app, monitoringApi.report, async ({ params, query }, request) => {
    const report = await (await request.services.monitoring()).report(params.name, query.windowStart)
    return {
      result: report.result,
      drift: report.drift,
      quality: report.quality as unknown as Record<string, unknown>[],
      ...(report.performance === undefined
        ? {}
        : { performance: report.performance as unknown as Record<string, unknown> }),
    }
  })
}
