import { type GuardSpec, isLabelMetric } from './deployment-policy.js'
import { evaluateLabelGuard, type LabelTestEvidence } from './label-guards.js'
import type { LabelledStep } from './labelled-step.js'
import { latencyCount, latencyQuantile, outputCount, outputPsi, type VersionStats } from './version-stats.js'

/** How one guard came out: `inconclusive` when it lacks the minimum sample size. */
export type GuardOutcome = 'pass' | 'fail' | 'inconclusive'

/** One guard's evidence: the value, the threshold, the samples behind it and the outcome. */
export interface GuardResult {
  metric: string
  max: number
  /** The measured value (null when there was no data at all). */
  value: number | null
  samples: number
  minSamples: number
  /** The champion's value of the same metric, where it has one. */
  champion: number | null
  outcome: GuardOutcome
  /** Label-based guards: both versions' values, sizes, the difference, its interval and the p-value. */
  test?: LabelTestEvidence
}

/** Evidence behind a decision: every guard's result and the statistics of both sides. */
export interface DecisionEvidence {
  guards: GuardResult[]
  candidate: { version: number; calls: number; errors: number; p99Ms: number | null }
  champion: { version: number; calls: number; errors: number; p99Ms: number | null }
  /** Length of the observed window (ms). */
  windowMs: number
}

/**
 * Evaluates every guard on the window's statistics of the candidate and the champion; label-based
 * guards on `labelled` (the step's logged predictions with their labels; absent: inconclusive).
 */
export function evaluateGuards(
  guards: readonly GuardSpec[],
  candidate: VersionStats,
  champion: VersionStats,
  labelled?: LabelledStep,
): GuardResult[] {
  return guards.map((g) => {
    if (isLabelMetric(g.metric)) {
      const base = { metric: g.metric, max: g.max, minSamples: g.minSamples, champion: null }
      if (labelled === undefined) {
        return { ...base, value: null, samples: 0, outcome: 'inconclusive' as const }
      }
      const r = evaluateLabelGuard(g, labelled)
      return { ...base, value: r.value, samples: r.samples, outcome: r.outcome, test: r.test }
    }
    const { value, samples, champ } = measure(g, candidate, champion)
    const outcome: GuardOutcome =
      samples < g.minSamples || value === null ? 'inconclusive' : value <= g.max ? 'pass' : 'fail'
    return {
      metric: g.metric,
      max: g.max,
      value,
      samples,
      minSamples: g.minSamples,
      champion: champ,
      outcome,
    }
  })
}

function measure(
  g: GuardSpec,
  c: VersionStats,
  h: VersionStats,
): { value: number | null; samples: number; champ: number | null } {
  switch (g.metric) {
    case 'error_rate':
      return {
        value: c.calls === 0 ? null : c.errors / c.calls,
        samples: c.calls,
        champ: h.calls === 0 ? null : h.errors / h.calls,
      }
    case 'latency_p99_ms':
      return { value: latencyQuantile(c, 0.99), samples: latencyCount(c), champ: latencyQuantile(h, 0.99) }
    case 'latency_p99_ratio': {
      const cp = latencyQuantile(c, 0.99)
      const hp = latencyQuantile(h, 0.99)
      return {
        value: cp === null || hp === null ? null : cp / hp,
        samples: Math.min(latencyCount(c), latencyCount(h)),
        champ: 1,
      }
    }
    case 'disagreement':
      return { value: c.compared === 0 ? null : c.disagreed / c.compared, samples: c.compared, champ: 0 }
    case 'output_psi':
      return { value: outputPsi(h, c), samples: Math.min(outputCount(c), outputCount(h)), champ: 0 }
    default:
      return { value: null, samples: 0, champ: null }
  }
}

/** The verdict of a set of guard results: any failure fails, then any lack of data holds. */
export function verdict(results: readonly GuardResult[]): GuardOutcome {
  if (results.some((r) => r.outcome === 'fail')) return 'fail'
  if (results.some((r) => r.outcome === 'inconclusive')) return 'inconclusive'
  return 'pass'
}
