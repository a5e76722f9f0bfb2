import { StrataError } from '../../core/errors.js'

/** How a candidate reaches traffic. */
export const STRATEGIES = ['direct', 'blue-green', 'canary', 'ab', 'shadow'] as const
/** One of {@link STRATEGIES}. */
export type Strategy = (typeof STRATEGIES)[number]

/** Where an endpoint's rollout stands. */
export type DeploymentStatus = 'serving' | 'progressing' | 'paused' | 'promoted' | 'rolled-back' | 'aborted'

/** Serving-path metrics a guard can watch (measured by every replica's router). */
export const SERVING_GUARD_METRICS = [
  'error_rate',
  'latency_p99_ms',
  'latency_p99_ratio',
  'disagreement',
  'output_psi',
] as const

/**
 * Label-based metrics a guard can watch: how much worse the candidate is than the champion on
 * the predictions whose delayed labels joined the payload log, with a statistical test.
 */
export const LABEL_GUARD_METRICS = [
  'auc_drop',
  'log_loss_increase',
  'brier_increase',
  'accuracy_drop',
] as const
/** One of {@link LABEL_GUARD_METRICS}. */
export type LabelGuardMetric = (typeof LABEL_GUARD_METRICS)[number]

/** Metrics a guard can watch. */
export const GUARD_METRICS = [...SERVING_GUARD_METRICS, ...LABEL_GUARD_METRICS] as const
/** One of {@link GUARD_METRICS}. */
export type GuardMetric = (typeof GUARD_METRICS)[number]

/** True for a label-based metric. */
export function isLabelMetric(metric: string): metric is LabelGuardMetric {
  return (LABEL_GUARD_METRICS as readonly string[]).includes(metric)
}

/** What each guard metric means (shown in errors and docs). */
export const GUARD_METRIC_HELP: Record<GuardMetric, string> = {
  error_rate: "share of the candidate's calls that failed or timed out",
  latency_p99_ms: "the candidate's p99 latency in milliseconds",
  latency_p99_ratio: "the candidate's p99 latency over the champion's",
  disagreement:
    'share of compared rows where the candidate and the champion differ by more than the tolerance',
  output_psi: "population stability index of the candidate's first output against the champion's",
  auc_drop: "champion's ROC AUC minus the candidate's on labelled predictions (DeLong's test)",
  log_loss_increase: "candidate's mean log loss minus the champion's on labelled predictions (t-test)",
  brier_increase: "candidate's mean Brier score minus the champion's on labelled predictions (t-test)",
  accuracy_drop:
    "champion's accuracy minus the candidate's on labelled predictions (two-proportion or McNemar z-test)",
}

/**
 * One guard: the metric must stay at or below `max`, judged on at least `minSamples`
 * observations (for a label-based metric: labelled predictions per version). A label-based
 * guard fails when the candidate is significantly worse than the champion by more than `max`
 * and passes when it is significantly not (the two-sided `confidence` interval of the difference
 * lies beyond, or within, the margin), reading scores or classes from the model output `output`.
 */
export interface GuardSpec {
  metric: GuardMetric
  max: number
  minSamples: number
  /** Label-based guards: the confidence level of the interval that decides (default 0.95). */
  confidence?: number
  /** Label-based guards: the model output holding the score or class (default: see docs/delivery.md). */
  output?: string
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

const GUARD =
  /^\s*([a-z0-9_]+)\s*(<=|<)\s*([0-9.eE+-]+)\s*(?:@\s*(\d+))?\s*((?:,\s*[a-z]+\s*=\s*[^,\s]+\s*)*)$/
const OPTION = /,\s*([a-z]+)\s*=\s*([^,\s]+)\s*/g

/**
 * Parses a guard written `metric<=max[@minSamples][,confidence=c][,output=name]`
 * (`error_rate<=0.02@200`, `auc_drop<=0.01@300,confidence=0.9,output=probabilities`).
 */
export function parseGuard(text: string, defaultMinSamples = 100): GuardSpec {
  const m = GUARD.exec(text)
  if (m === null) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `guard "${text}" is invalid; expected metric<=max[@minSamples][,confidence=c][,output=name], e.g. error_rate<=0.02@200 or auc_drop<=0.02@300,confidence=0.95`,
    )
  }
  const [, metric, , max, min, options = ''] = m as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
    string | undefined,
  ]
  const spec: { metric: string; max: number; minSamples: number; confidence?: number; output?: string } = {
    metric,
    max: Number(max),
    minSamples: min === undefined ? defaultMinSamples : Number(min),
  }
  for (const [, key, value] of options.matchAll(OPTION)) {
    if (key === 'confidence') spec.confidence = Number(value)
    else if (key === 'output') spec.output = value as string
    else {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `guard "${text}" has an unknown option "${key}"; expected confidence=<level> or output=<model output>`,
      )
    }
  }
  return guardSpec(spec)
}

/** A guard as `parseGuard` reads it: `auc_drop<=0.02@300,confidence=0.95`. */
export function formatGuard(g: GuardSpec): string {
  return (
    `${g.metric}<=${g.max}@${g.minSamples}` +
    (g.confidence === undefined ? '' : `,confidence=${g.confidence}`) +
    (g.output === undefined ? '' : `,output=${g.output}`)
  )
}

/** Checks one guard given as data; errors name the offending value and the valid ones. */
export function guardSpec(g: {
  metric: string
  max: number
  minSamples?: number
  confidence?: number
  output?: string
}): GuardSpec {
  if (!(GUARD_METRICS as readonly string[]).includes(g.metric)) {
    const renamed: Record<string, string> = {
      auc: 'auc_drop',
      log_loss: 'log_loss_increase',
      brier: 'brier_increase',
      accuracy: 'accuracy_drop',
    }
    const hint = renamed[g.metric]
    throw new StrataError(
      'INVALID_ARGUMENT',
      hint === undefined
        ? `guard metric "${g.metric}" does not exist; expected one of ${GUARD_METRICS.join(', ')}`
        : `guard metric "${g.metric}" does not exist; label-based guards bound how much worse the candidate may be than the champion: use ${hint} (e.g. ${hint}<=0.01@200)`,
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
  const spec: GuardSpec = { metric: g.metric as GuardMetric, max: g.max, minSamples }
  if (!isLabelMetric(g.metric)) {
    if (g.confidence !== undefined || g.output !== undefined) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `guard ${g.metric} takes no ${g.confidence !== undefined ? 'confidence' : 'output'}; only label-based guards (${LABEL_GUARD_METRICS.join(', ')}) do`,
      )
    }
    return spec
  }
  if (g.confidence !== undefined) {
    if (typeof g.confidence !== 'number' || !(g.confidence >= 0.5 && g.confidence < 1)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `guard ${g.metric} confidence "${g.confidence}" is invalid; expected a level from 0.5 to below 1, e.g. 0.95`,
      )
    }
    spec.confidence = g.confidence
  }
  if (g.output !== undefined) {
    if (typeof g.output !== 'string' || !/^[A-Za-z0-9_.:-]+$/.test(g.output)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `guard ${g.metric} output "${g.output}" is invalid; expected a model output name`,
      )
    }
    spec.output = g.output
  }
  if ((g.metric === 'accuracy_drop' || g.metric === 'auc_drop') && g.max > 1) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `guard ${g.metric} threshold "${g.max}" is invalid; expected a difference of shares from 0 to 1`,
    )
  }
  return spec
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
