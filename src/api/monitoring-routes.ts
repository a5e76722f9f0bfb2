import type { FastifyInstance } from 'fastify'
import { monitoringApi } from '../core/rest/index.js'
import type { MonitoringService } from '../monitoring/index.js'
import { bindRoute } from './http/index.js'
import { defined } from './rest-input.js'

/** Largest labels request body (bytes): up to 100,000 labels. */
const LABELS_BODY_LIMIT = 16 * 1024 * 1024

/**
 * Monitoring routes (`/api/monitoring…`, see `monitoringApi` and docs/monitoring.md): delayed
 * labels by prediction id (joined to payload-log windows as the column `label`) and the closed
 * retrain loops with their timelines. Acts as the request's principal.
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
}
