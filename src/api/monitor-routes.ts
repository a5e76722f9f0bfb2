import type { FastifyInstance } from 'fastify'
import { monitorApi } from '../core/rest/index.js'
import { bindRoute } from './http/index.js'

/**
 * Monitor routes (`/api/monitors…`, see `monitorApi` and docs/monitoring.md): the applied
 * monitors with their latest window, a monitor's results over time, and one window's report.
 */
export async function monitorRoutes(app: FastifyInstance): Promise<void> {
  bindRoute(app, monitorApi.list, async (_input, request) => {
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
  bindRoute(app, monitorApi.history, async ({ params, query }, request) => ({
    results: await (await request.services.monitoring()).history(
      params.name,
      query.limit === undefined ? {} : { limit: query.limit },
    ),
  }))
  bindRoute(app, monitorApi.report, async ({ params, query }, request) => {
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
