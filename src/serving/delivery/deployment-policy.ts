import { StrataError } from '../../core/errors.js'

/** How a candidate reaches traffic. */
export const STRATEGIES = ['direct', 'blue-green', 'canary', 'ab', 'shadow'] as const
/** One of {@link STRATEGIES}. */
export type Strategy = (typeof STRATEGIES)[number]

/** Where an endpoint's rollout stands. */
export type DeploymentStatus = 'serving' | 'progressing' | 'paused' | 'promoted' | 'rolled-back' | 'aborted'

/** Metrics a guard can watch (serving-path metrics; label-based ones need the payload log's labels). */
export const GUARD_METRICS = [
  'error_rate',
  'latency_p99_ms',
  'latency_p99_ratio',
  'disagreement',
  'output_psi',
] as const
/** One of {@link GUARD_METRICS}. */
export type GuardMetric = (typeof GUARD_METRICS)[number]

/** What each guard metric means (shown in errors and docs). */
export const GUARD_METRIC_HELP: Record<GuardMetric, string> = {
  error_rate: "share of the candidate's calls that failed or timed out",
  latency_p99_ms: "the candidate's p99 latency in milliseconds",
  latency_p99_ratio: "the candidate's p99 latency over the champion's",
  disagreement:
    'share of compared rows where the candidate and the champion differ by more than the tolerance',
  output_psi: "population stability index of the candidate's first output against the champion's",
}

/** One guard: the metric must stay at or below `max`, judged on at least `minSamples` observations. */
export interface GuardSpec {
  metric: GuardMetric
  max: number
  minSamples: number
}

/** The traffic policy of one immutable deployment revision. */
export interface DeploymentPolicy {
  /** The registered model whose versions the endpoint serves. */
  model: string
  /** The version answering by default. */
  champion: number
  strategy: Strategy
  /** The version being rolled out (null: none). */
  candidate: number | null
  /** The candidate's traffic share (%) at each step. */
  steps: number[]
  /** The current step (index into `steps`). */
  step: number
  /** Share (%) of the champion's requests mirrored to the candidate (shadow), answers never returned. */
  mirror: number
  /** Where the sticky split key comes from: a request header, or the first row of an input tensor. */
  sticky: { header: string } | { input: string } | null
  /** How long each step runs before its guards decide (ms). */
  intervalMs: number
  guards: GuardSpec[]
  /** Promote when the last step passes (false: hold there until promoted by hand). */
  autoPromote: boolean
  /** A candidate call slower than this falls back to the champion (ms). */
  candidateTimeoutMs: number
  /** Share (0–1) of candidate-served requests also run on the champion, off the request path, to compare. */
  compareRate: number
  /** Two numeric outputs agree when they differ by at most `tolerance × max(1, |a|, |b|)`. */
  tolerance: number
  /** URLs every decision is POSTed to. */
  webhooks: string[]
  status: DeploymentStatus
  /** The champion before the last promotion, kept warm for an instant rollback. */
  previous: number | null
}

/** The candidate's traffic share (%) now. */
export function candidateWeight(p: DeploymentPolicy): number {
  if (p.candidate === null || !isActive(p)) return 0
  return p.steps[p.step] ?? 0
}

/** True while a rollout is running or paused. */
export function isActive(p: DeploymentPolicy): boolean {
  return p.status === 'progressing' || p.status === 'paused'
}

/** The versions an endpoint must keep loaded for a policy. */
export function versionsOf(p: DeploymentPolicy): number[] {
  const all = [p.champion]
  if (p.candidate !== null && isActive(p)) all.push(p.candidate)
  if (p.previous !== null) all.push(p.previous)
  return [...new Set(all)]
}

const GUARD = /^\s*([a-z0-9_]+)\s*(<=|<)\s*([0-9.eE+-]+)\s*(?:@\s*(\d+))?\s*$/

/**
 * Parses a guard written `metric<=max[@minSamples]` (`error_rate<=0.02@200`). Label-based
 * metrics (auc, log_loss, accuracy) are refused: they need labels joined to the payload log.
 */
export function parseGuard(text: string, defaultMinSamples = 100): GuardSpec {
  const m = GUARD.exec(text)
  if (m === null) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `guard "${text}" is invalid; expected metric<=max[@minSamples], e.g. error_rate<=0.02@200`,
    )
  }
  const [, metric, , max, min] = m as unknown as [string, string, string, string, string | undefined]
  return guardSpec({
    metric,
    max: Number(max),
    minSamples: min === undefined ? defaultMinSamples : Number(min),
  })
}

/** Checks one guard given as data; errors name the offending value and the valid ones. */
export function guardSpec(g: { metric: string; max: number; minSamples?: number }): GuardSpec {
  if (!(GUARD_METRICS as readonly string[]).includes(g.metric)) {
    const labels = ['auc', 'log_loss', 'accuracy', 'precision', 'recall']
    throw new StrataError(
      labels.includes(g.metric) ? 'UNSUPPORTED' : 'INVALID_ARGUMENT',
      labels.includes(g.metric)
        ? `guard metric "${g.metric}" is label-based; label guards need delayed labels joined to the payload log, which is not available yet (use ${GUARD_METRICS.join(', ')})`
        : `guard metric "${g.metric}" does not exist; expected one of ${GUARD_METRICS.join(', ')}`,
      { details: { metric: g.metric, expected: GUARD_METRICS } },
    )
  }
  if (!Number.isFinite(g.max) || g.max < 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `guard ${g.metric} threshold "${g.max}" is invalid; expected a number ≥ 0`,
    )
  }
  const minSamples = g.minSamples ?? 100
  if (!Number.isInteger(minSamples) || minSamples < 1) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `guard ${g.metric} minimum sample size "${minSamples}" is invalid; expected an integer ≥ 1`,
    )
  }
  return { metric: g.metric as GuardMetric, max: g.max, minSamples }
}

/**
 * Parses canary steps (`5,25,50,100`): each a share 0–100, not decreasing. Errors name the
 * offending step.
 */
export function parseSteps(steps: readonly number[]): number[] {
  if (steps.length === 0) throw new StrataError('INVALID_ARGUMENT', 'a rollout needs at least one step')
  let last = -1
  for (const s of steps) {
    if (!Number.isFinite(s) || s < 0 || s > 100) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `step weight "${s}" is invalid; expected a share from 0 to 100 (%)`,
      )
    }
    if (s < last) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `steps ${steps.join(',')} decrease at ${s}; canary steps only grow (e.g. 5,25,50,100)`,
      )
    }
    last = s
  }
  return [...steps]
}

/**
 * Parses an A/B split (`{3: 90, 4: 10}`) over the champion and the candidate: the weights must
 * sum to 100 and name exactly those two versions. Returns the candidate's share.
 */
export function splitWeight(split: Record<string, number>, champion: number, candidate: number): number {
  const entries = Object.entries(split)
  const sum = entries.reduce((a, [, w]) => a + w, 0)
  for (const [v, w] of entries) {
    if (Number(v) !== champion && Number(v) !== candidate) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `split names version ${v}, which is neither the champion (${champion}) nor the candidate (${candidate})`,
      )
    }
    if (!Number.isFinite(w) || w < 0) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `split weight "${w}" of version ${v} is invalid; expected ≥ 0`,
      )
    }
  }
  if (Math.abs(sum - 100) > 1e-9) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `split weights ${entries.map(([v, w]) => `${v}=${w}`).join(', ')} sum to ${sum}; they must sum to 100`,
      { details: { split, sum } },
    )
  }
  return split[String(candidate)] ?? 0
}
