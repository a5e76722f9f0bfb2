/**
 * The flights example's monitor: every week of predictions the model server logged for
 * `flight-delay`, compared with the champion's reference profile (its training window) by
 * Evidently's default drift tests and the data-quality checks. An alerting week opens an
 * incident whose action runs the training pipeline on the data up to the end of that week.
 */
import { monitor } from 'strata-ml'

export const delayDrift = monitor({
  name: 'delay-drift',
  model: 'flight-delay',
  reference: 'champion',
  window: { every: '7d', source: { kind: 'payload-log', endpoint: 'flight-delay' } },
  checks: { drift: { driftShare: 0.5 } },
  actions: [{ kind: 'pipeline', pipeline: 'training', params: { end: '{{window.end}}' } }],
})
