/**
 * Label-based guards: the candidate against the champion on the step's predictions whose
 * delayed labels joined the payload log. With mirrored (shadow) calls both versions scored the
 * same requests, so the comparison is paired by request id and row (DeLong paired, paired
 * t-test, McNemar pairs); otherwise the two versions answered different requests and the arms
 * are independent (DeLong, Welch's t-test, two-proportion z-test).
 *
 * The decision reads the two-sided `confidence` interval of candidate − champion: the guard
 * fails when the whole interval is worse than the champion by more than the margin (`max`), and
 * passes when the whole interval is within the margin (the candidate is significantly not worse
 * by more than it); otherwise, and while either version has fewer than `minSamples` labelled
 * predictions, it waits for labels (inconclusive: the step holds).
 */
import type { GuardSpec, LabelGuardMetric } from './deployment-policy.js'
import {
  brier,
  type DifferenceEstimate,
  delongIndependent,
  delongPaired,
  logLoss,
  pairedProportions,
  pairedT,
  twoProportions,
  welch,
  worseByMoreThan,
} from './label-statistics.js'
import { binary, classOf, labelledRows, type LabelledRow as Row, score } from './labelled-rows.js'
import type { LabelledStep } from './labelled-step.js'

/** The statistical test behind a label-based guard, as recorded in the decision's evidence. */
export interface LabelTestEvidence {
  /** `delong`, `delong-paired`, `welch-t`, `paired-t`, `two-proportion-z` or `mcnemar-z`. */
  test: string
  paired: boolean
  /** The model output the scores or classes were read from. */
  output: string | null
  /** The metric on each version's labelled predictions (AUC, mean log loss, mean Brier, accuracy). */
  candidate: number | null
  champion: number | null
  /** Labelled predictions (rows) behind each value; with `paired`, the pairs. */
  nCandidate: number
  nChampion: number
  /** candidate − champion. */
  difference: number | null
  /** Two-sided confidence interval of the difference at level `confidence`. */
  interval: [number, number] | null
  confidence: number
  /** One-sided p-value of "the candidate is worse than the champion by more than the margin". */
  pValue: number | null
  /** One-sided p-value of "the candidate is not worse by more than the margin" (non-inferiority). */
  pNotWorse: number | null
  /** Why the guard could not decide, when it could not. */
  note?: string
}

/** A label-based guard's verdict: the degradation (the guarded value), its sample size and test. */
export interface LabelGuardOutcome {
  value: number | null
  samples: number
  outcome: 'pass' | 'fail' | 'inconclusive'
  test: LabelTestEvidence
}

const HIGHER_IS_BETTER: Record<LabelGuardMetric, boolean> = {
  auc_drop: true,
  accuracy_drop: true,
  log_loss_increase: false,
  brier_increase: false,
}

/** Evaluates a label-based guard on a step (see the module comment). */
export function evaluateLabelGuard(g: GuardSpec, step: LabelledStep): LabelGuardOutcome {
  const metric = g.metric as LabelGuardMetric
  const confidence = g.confidence ?? 0.95
  const { rows, output } = labelledRows(step, g)
  const cand = rows.filter((r) => r.version === step.candidate && r.key.startsWith('s:'))
  const shadowKeys = new Map(cand.map((r) => [r.key.slice(2), r]))
  const paired = shadowKeys.size > 0
  let a: Row[]
  let b: Row[]
  if (paired) {
    const champ = new Map(
      rows
        .filter((r) => r.version === step.champion && r.key.startsWith('p:'))
        .map((r) => [r.key.slice(2), r]),
    )
    a = []
    b = []
    for (const [key, row] of shadowKeys) {
      const other = champ.get(key)
      if (other === undefined || other.label === null) continue
      a.push({ ...row, label: other.label })
      b.push(other)
    }
  } else {
    a = rows.filter((r) => r.version === step.candidate && r.key.startsWith('p:') && r.label !== null)
    b = rows.filter((r) => r.version === step.champion && r.key.startsWith('p:') && r.label !== null)
  }
  const base: LabelTestEvidence = {
    test: testName(metric, paired),
    paired,
    output,
    candidate: null,
    champion: null,
    nCandidate: a.length,
    nChampion: b.length,
    difference: null,
    interval: null,
    confidence,
    pValue: null,
    pNotWorse: null,
  }
  const samples = Math.min(a.length, b.length)
  const hold = (note: string): LabelGuardOutcome => ({
    value: null,
    samples,
    outcome: 'inconclusive',
    test: { ...base, note },
  })
  if (samples < g.minSamples) {
    return hold(
      `waiting for labels (${samples}/${g.minSamples}): ${a.length} labelled candidate and ${b.length} labelled champion ${paired ? 'pairs' : 'predictions'}`,
    )
  }
  let est: DifferenceEstimate | null
  try {
    est = estimate(metric, paired, a, b)
  } catch (err) {
    return hold((err as Error).message)
  }
  if (est === null) return hold('the labelled predictions of a version have only one class; AUC needs both')
  const higherIsBetter = HIGHER_IS_BETTER[metric]
  const t = worseByMoreThan(est, g.max, higherIsBetter, 1 - confidence)
  const [lo, hi] = t.interval
  const [best, worst] = higherIsBetter ? [-hi, -lo] : [lo, hi]
  const test: LabelTestEvidence = {
    ...base,
    candidate: est.candidate,
    champion: est.champion,
    difference: est.difference,
    interval: t.interval,
    pValue: t.pValue,
    pNotWorse: 1 - t.pValue,
  }
  const value = t.degradation
  if (best > g.max) return { value, samples, outcome: 'fail', test }
  if (worst <= g.max) return { value, samples, outcome: 'pass', test }
  return {
    value,
    samples,
    outcome: 'inconclusive',
    test: {
      ...test,
      note: `not significant either way yet: the ${pct(confidence)} % interval of ${metric} (${fmt(best)} to ${fmt(worst)}, n = ${samples}) contains the margin ${g.max}; waiting for more labels`,
    },
  }
}

/** A label-based guard's test in words: both values, the difference with its interval, and n. */
export function describeLabelTest(metric: string, t: LabelTestEvidence): string {
  const what = LABEL_METRIC_NAMES[metric] ?? metric
  const ci =
    t.interval === null ? '' : `, ${pct(t.confidence)} % CI [${fmt(t.interval[0])}, ${fmt(t.interval[1])}]`
  return `candidate ${what} ${fmt(t.candidate)} vs champion ${fmt(t.champion)} (difference ${fmt(t.difference)}${ci}, n = ${t.nCandidate}/${t.nChampion}${t.paired ? ' pairs' : ''})`
}

const LABEL_METRIC_NAMES: Record<string, string> = {
  auc_drop: 'AUC',
  log_loss_increase: 'log loss',
  brier_increase: 'Brier score',
  accuracy_drop: 'accuracy',
}

/** A confidence level as a percentage (0.95 → 95). */
function pct(confidence: number): number {
  return Number((confidence * 100).toPrecision(4))
}

/** `v` with 4 significant digits. */
function fmt(v: number | null): string {
  return v === null ? 'n/a' : Number(v.toPrecision(4)).toString()
}

function testName(metric: LabelGuardMetric, paired: boolean): string {
  if (metric === 'auc_drop') return paired ? 'delong-paired' : 'delong'
  if (metric === 'accuracy_drop') return paired ? 'mcnemar-z' : 'two-proportion-z'
  return paired ? 'paired-t' : 'welch-t'
}

function estimate(metric: LabelGuardMetric, paired: boolean, a: Row[], b: Row[]): DifferenceEstimate | null {
  if (metric === 'accuracy_drop') {
    const right = (r: Row) => {
      if (r.predicted === null)
        throw new Error(`version ${r.version} gave no class to compare with the label`)
      return r.predicted === classOf(r.label)
    }
    if (paired) {
      let both = 0
      let candidateOnly = 0
      let championOnly = 0
      a.forEach((r, i) => {
        const x = right(r)
        const y = right(b[i] as Row)
        if (x && y) both++
        else if (x) candidateOnly++
        else if (y) championOnly++
      })
      return pairedProportions({ n: a.length, both, candidateOnly, championOnly })
    }
    return twoProportions(
      { k: a.filter(right).length, n: a.length },
      { k: b.filter(right).length, n: b.length },
    )
  }
  const ya = a.map((r) => binary(r.label))
  const yb = b.map((r) => binary(r.label))
  const sa = a.map(score)
  const sb = b.map(score)
  if (metric === 'auc_drop') {
    return paired
      ? delongPaired(ya, sa, sb)
      : delongIndependent({ labels: ya, scores: sa }, { labels: yb, scores: sb })
  }
  const loss = metric === 'log_loss_increase' ? logLoss : brier
  for (const s of [...sa, ...sb]) {
    if (!(s >= 0 && s <= 1)) {
      throw new Error(
        `score ${s} is not a probability; ${metric} needs the positive class's probability (output=…)`,
      )
    }
  }
  const la = sa.map((s, i) => loss(ya[i] as number, s))
  const lb = sb.map((s, i) => loss(yb[i] as number, s))
  return paired ? pairedT(la, lb) : welch(la, lb)
}
