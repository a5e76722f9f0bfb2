/**
 * The statistics of label-based guards, as small pure functions: AUC with DeLong's variance
 * (independent or paired samples), mean per-prediction losses (log loss, Brier) with Welch's or
 * the paired t-test, accuracy with the two-proportion or the paired (McNemar) z-test, and the
 * one-sided test of "the candidate is worse than the champion by more than the margin".
 */
import {
  normalCdf,
  normalQuantile,
  studentTQuantile,
  studentTSf,
} from '../../core/stats/special-functions.js'

/** A difference of two estimates with its standard error (`dof` Infinity: normal). */
export interface DifferenceEstimate {
  /** The candidate's estimate. */
  candidate: number
  /** The champion's estimate. */
  champion: number
  /** candidate − champion. */
  difference: number
  /** Standard error of the difference. */
  se: number
  /** Degrees of freedom of the t statistic (Infinity for a z statistic). */
  dof: number
}

/** Fractional (mid-)ranks, 1-based, of `values`: ties share the mean of their ranks. */
export function midranks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number))
  const ranks = new Array<number>(values.length)
  let i = 0
  while (i < order.length) {
    let j = i
    while (j + 1 < order.length && values[order[j + 1] as number] === values[order[i] as number]) j++
    const rank = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) ranks[order[k] as number] = rank
    i = j + 1
  }
  return ranks
}

/** AUC and DeLong's placements: V10 per positive, V01 per negative (their means are the AUC). */
export interface AucPlacements {
  auc: number
  v10: number[]
  v01: number[]
}

/**
 * The ROC AUC of `scores` for 0/1 `labels` (ties count one half, as scikit-learn's
 * `roc_auc_score`) with DeLong's structural components, computed from midranks in O(n log n).
 * Null when a class is missing.
 */
export function aucPlacements(labels: readonly number[], scores: readonly number[]): AucPlacements | null {
  const pos: number[] = []
  const neg: number[] = []
  for (const [i, y] of labels.entries()) (y === 1 ? pos : neg).push(scores[i] as number)
  const m = pos.length
  const n = neg.length
  if (m === 0 || n === 0) return null
  const all = midranks([...pos, ...neg])
  const rp = midranks(pos)
  const rn = midranks(neg)
  const v10 = pos.map((_, i) => ((all[i] as number) - (rp[i] as number)) / n)
  const v01 = neg.map((_, j) => 1 - ((all[m + j] as number) - (rn[j] as number)) / m)
  return { auc: mean(v10), v10, v01 }
}

function mean(x: readonly number[]): number {
  let s = 0
  for (const v of x) s += v
  return s / x.length
}

/** Sample covariance (n − 1 in the denominator); 0 for fewer than two values. */
function cov(x: readonly number[], y: readonly number[]): number {
  const n = x.length
  if (n < 2) return 0
  const mx = mean(x)
  const my = mean(y)
  let s = 0
  for (let i = 0; i < n; i++) s += ((x[i] as number) - mx) * ((y[i] as number) - my)
  return s / (n - 1)
}

function aucVariance(p: AucPlacements): number {
  return cov(p.v10, p.v10) / p.v10.length + cov(p.v01, p.v01) / p.v01.length
}

/** DeLong's test for the AUCs of two independent samples (a z statistic). Null when a class is missing in either. */
export function delongIndependent(
  candidate: { labels: readonly number[]; scores: readonly number[] },
  champion: { labels: readonly number[]; scores: readonly number[] },
): DifferenceEstimate | null {
  const a = aucPlacements(candidate.labels, candidate.scores)
  const b = aucPlacements(champion.labels, champion.scores)
  if (a === null || b === null) return null
  return {
    candidate: a.auc,
    champion: b.auc,
    difference: a.auc - b.auc,
    se: Math.sqrt(aucVariance(a) + aucVariance(b)),
    dof: Number.POSITIVE_INFINITY,
  }
}

/**
 * DeLong's test for the AUCs of two scorings of the same cases (paired: the covariance of the
 * placements is subtracted). Null when a class is missing.
 */
export function delongPaired(
  labels: readonly number[],
  candidate: readonly number[],
  champion: readonly number[],
): DifferenceEstimate | null {
  const a = aucPlacements(labels, candidate)
  const b = aucPlacements(labels, champion)
  if (a === null || b === null) return null
  const covariance = cov(a.v10, b.v10) / a.v10.length + cov(a.v01, b.v01) / a.v01.length
  return {
    candidate: a.auc,
    champion: b.auc,
    difference: a.auc - b.auc,
    se: Math.sqrt(Math.max(0, aucVariance(a) + aucVariance(b) - 2 * covariance)),
    dof: Number.POSITIVE_INFINITY,
  }
}

/** Welch's t-test on the means of two independent samples (SciPy `ttest_ind(equal_var=False)`). */
export function welch(candidate: readonly number[], champion: readonly number[]): DifferenceEstimate {
  const na = candidate.length
  const nb = champion.length
  const va = cov(candidate, candidate) / na
  const vb = cov(champion, champion) / nb
  const se = Math.sqrt(va + vb)
  const dof = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
  const ma = mean(candidate)
  const mb = mean(champion)
  return {
    candidate: ma,
    champion: mb,
    difference: ma - mb,
    se,
    dof: Number.isFinite(dof) ? dof : Number.POSITIVE_INFINITY,
  }
}

/** The paired t-test on the means of two measurements of the same cases (SciPy `ttest_rel`). */
export function pairedT(candidate: readonly number[], champion: readonly number[]): DifferenceEstimate {
  const d = candidate.map((v, i) => v - (champion[i] as number))
  return {
    candidate: mean(candidate),
    champion: mean(champion),
    difference: mean(d),
    se: Math.sqrt(cov(d, d) / d.length),
    dof: d.length - 1,
  }
}

/** Two independent proportions (`k` of `n`) with the unpooled (Wald) standard error of their difference. */
export function twoProportions(
  candidate: { k: number; n: number },
  champion: { k: number; n: number },
): DifferenceEstimate {
  const pa = candidate.k / candidate.n
  const pb = champion.k / champion.n
  return {
    candidate: pa,
    champion: pb,
    difference: pa - pb,
    se: Math.sqrt((pa * (1 - pa)) / candidate.n + (pb * (1 - pb)) / champion.n),
    dof: Number.POSITIVE_INFINITY,
  }
}

/**
 * Two proportions on the same `n` cases from McNemar's discordant pairs: `candidateOnly` cases
 * only the candidate got right, `championOnly` only the champion; `both` both got right. The
 * standard error of the difference is the paired (Wald) one, √(b + c − (b − c)²/n) / n.
 */
export function pairedProportions(counts: {
  n: number
  both: number
  candidateOnly: number
  championOnly: number
}): DifferenceEstimate {
  const { n, both, candidateOnly: b, championOnly: c } = counts
  return {
    candidate: (both + b) / n,
    champion: (both + c) / n,
    difference: (b - c) / n,
    se: Math.sqrt(Math.max(0, b + c - (b - c) ** 2 / n)) / n,
    dof: Number.POSITIVE_INFINITY,
  }
}

/** The outcome of {@link worseByMoreThan}. */
export interface MarginTest {
  /** How much worse the candidate is (positive: worse), in the metric's unit. */
  degradation: number
  /** One-sided p-value of "the candidate is worse than the champion by more than the margin". */
  pValue: number
  /** The two-sided (1 − alpha) confidence interval of candidate − champion. */
  interval: [number, number]
}

/**
 * Tests H0 "degradation ≤ margin" against H1 "degradation > margin", where degradation is
 * champion − candidate for a metric where higher is better (AUC, accuracy) and candidate −
 * champion where lower is better (log loss, Brier). A zero standard error gives p 0 or 1.
 */
export function worseByMoreThan(
  est: DifferenceEstimate,
  margin: number,
  higherIsBetter: boolean,
  alpha: number,
): MarginTest {
  const degradation = higherIsBetter ? -est.difference : est.difference
  let pValue: number
  if (!(est.se > 0)) pValue = degradation > margin ? 0 : 1
  else {
    const stat = (degradation - margin) / est.se
    pValue = Number.isFinite(est.dof) ? studentTSf(stat, est.dof) : normalCdf(-stat)
  }
  const q = Number.isFinite(est.dof)
    ? studentTQuantile(1 - alpha / 2, est.dof)
    : normalQuantile(1 - alpha / 2)
  const half = est.se > 0 ? q * est.se : 0
  return { degradation, pValue, interval: [est.difference - half, est.difference + half] }
}

/** Per-prediction log loss of probability `p` for 0/1 label `y` (p clipped to [1e-15, 1 − 1e-15]). */
export function logLoss(y: number, p: number): number {
  const q = Math.min(Math.max(p, 1e-15), 1 - 1e-15)
  return -(y * Math.log(q) + (1 - y) * Math.log(1 - q))
}

/** Per-prediction Brier score: (p − y)². */
export function brier(y: number, p: number): number {
  return (p - y) ** 2
}
