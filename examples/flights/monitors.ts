/**
 * The flights example's monitor and its closed loop: every week of predictions the server
 * logged for the `flight-delay` deployment is compared with the champion's reference profile
 * (its training window) by Evidently's default drift tests and the data-quality checks, and the
 * week before is scored on its delayed labels (they arrive a week late): the model's
 * `probabilities[1]` output against the ingested ground truth, `@label`. An
 * alerting week opens an incident whose `retrain` action runs the training pipeline on the data
 * up to the end of that week, makes the version it registers the `challenger` (if its test AUC
 * clears the gate) and rolls it out on canary with guards; the delivery engine promotes it or
 * rolls it back.
 */
import { monitor } from 'strata-ml'

const DAY = 86_400_000

/**
 * The rollout: 25 → 50 → 100 %, three simulated days a step. The guards judge what the serving
 * path measures: errors, an absolute latency bound (a p99 ratio over a few dozen calls is at the
 * mercy of one slow call on a shared machine), and the candidate's output distribution against
 * the champion's. Label-based guards are not in delivery yet.
 */
export const ROLLOUT = {
  steps: [25, 50, 100],
  intervalMs: 3 * DAY,
  guards: ['error_rate<=0.01@30', 'latency_p99_ms<=250@30', 'output_psi<=0.25@60'],
}

export const delayDrift = monitor({
  name: 'delay-drift',
  model: 'flight-delay',
  reference: 'champion',
  window: { every: '7d', source: { kind: 'payload-log', endpoint: 'flight-delay' } },
  checks: {
    drift: { driftShare: 0.5 },
    performance: {
      task: 'classification',
      prediction: 'probabilities[1]', // the model's P(delayed); its output `label` is the predicted class
      label: '@label', // the ground truth ingested by prediction id (GROUND_TRUTH)
      labelDelay: '7d', // each run scores the week before, whose labels have arrived
    },
  },
  actions: [
    {
      kind: 'retrain',
      pipeline: 'training',
      params: { end: '{{window.end}}' },
      registerStep: 'register',
      deployment: 'flight-delay',
      gate: { min: { auc: 0.7 } },
      rollout: ROLLOUT,
      cooldown: '90d', // one retrain a quarter: a later incident gets a skipped loop
      maxPerDay: 1,
    },
  ],
})
