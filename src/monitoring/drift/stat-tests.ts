import { chi2Sf, normalCdf } from '../../core/stats/special-functions.js'
import { fillZeroShares, histogramSorted, sturgesEdges } from '../stats/binning.js'
import { jensenShannon, psi, wasserstein1 } from '../stats/distances.js'
import { ksTwoSample } from '../stats/ks-test.js'
import { populationStd } from '../stats/sorted-values.js'
import { cachedStd, wasserstein1Indexed } from '../stats/wasserstein-indexed.js'
import type { ColumnSample, NumericSample } from './column-sample.js'

/** The drift tests Strata implements, by Evidently's names. */
export const STAT_TEST_NAMES = ['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi'] as const

/** One of {@link STAT_TEST_NAMES}. */
export type StatTestName = (typeof STAT_TEST_NAMES)[number]

/** How a test's score is read: a p-value (drift when small) or a distance (drift when large). */
export type ScoreKind = 'p_value' | 'distance'

/** A test's definition: Evidently's default threshold and comparison. */
export interface StatTest {
  name: StatTestName
  /** Human name, as Evidently shows it. */
  label: string
  scoreKind: ScoreKind
  defaultThreshold: number
  /** Column kinds the test accepts. */
  kinds: readonly ColumnSample['kind'][]
  /** Whether `score` means drift at `threshold` (Evidently's comparison, `<=`, `<` or `>=`). */
  drifted(score: number, threshold: number): boolean
  /** The score for two non-empty samples of the same kind. */
  score(reference: ColumnSample, current: ColumnSample): number
}

/** Counts keyed by value for either kind (numeric values keyed by their string form). */
function countsOf(sample: ColumnSample): Map<string, number> {
  if (sample.kind === 'categorical') return sample.counts
  const out = new Map<string, number>()
  const v = sample.values
  let i = 0
  while (i < v.length) {
    const x = v[i] as number
    let j = i + 1
    while (j < v.length && v[j] === x) j++
    out.set(String(x), j - i)
    i = j
  }
  return out
}

function total(counts: Map<string, number>): number {
  let n = 0
  for (const c of counts.values()) n += c
  return n
}

/** The union of both sides' keys, each side's count per key (0 when absent). */
function alignedCounts(
  reference: ColumnSample,
  current: ColumnSample,
): { keys: string[]; ref: number[]; cur: number[] } {
  const r = countsOf(reference)
  const c = countsOf(current)
  const keys = [...new Set([...r.keys(), ...c.keys()])].sort()
  return { keys, ref: keys.map((k) => r.get(k) ?? 0), cur: keys.map((k) => c.get(k) ?? 0) }
}

function distinctOf(sample: ColumnSample, cap: number): number {
  if (sample.kind === 'categorical') return sample.counts.size
  let n = 0
  const v = sample.values
  for (let i = 0; i < v.length && n <= cap; i++) if (i === 0 || v[i] !== v[i - 1]) n++
  return n
}

/**
 * Evidently's `get_binned_data`: shares per bin of each side. A numeric column with more than
 * 20 distinct reference values is cut into Sturges bins over both sides together; anything else
 * gets one bin per distinct value.
 */
export function binnedShares(
  reference: ColumnSample,
  current: ColumnSample,
  fillZeroes: boolean,
): { ref: number[]; cur: number[] } {
  let ref: number[]
  let cur: number[]
  if (reference.kind === 'numeric' && current.kind === 'numeric' && distinctOf(reference, 20) > 20) {
    const rv = reference.values
    const cv = current.values
    const lo = Math.min(rv[0] as number, cv.length > 0 ? (cv[0] as number) : Number.POSITIVE_INFINITY)
    const hi = Math.max(
      rv[rv.length - 1] as number,
      cv.length > 0 ? (cv[cv.length - 1] as number) : Number.NEGATIVE_INFINITY,
    )
    const edges = sturgesEdges(lo, hi, rv.length + cv.length)
    ref = histogramSorted(rv, edges).map((n) => n / rv.length)
    cur = histogramSorted(cv, edges).map((n) => n / cv.length)
  } else {
    const aligned = alignedCounts(reference, current)
    const nr = aligned.ref.reduce((a, b) => a + b, 0)
    const nc = aligned.cur.reduce((a, b) => a + b, 0)
    ref = aligned.ref.map((n) => n / nr)
    cur = aligned.cur.map((n) => n / nc)
  }
  return fillZeroes ? { ref: fillZeroShares(ref), cur: fillZeroShares(cur) } : { ref, cur }
}

function numeric(sample: ColumnSample, test: string): NumericSample {
  if (sample.kind !== 'numeric') throw new TypeError(`${test} needs numeric samples`)
  return sample
}

const ks: StatTest = {
  name: 'ks',
  label: 'K-S p_value',
  scoreKind: 'p_value',
  defaultThreshold: 0.05,
  kinds: ['numeric'],
  drifted: (score, threshold) => score <= threshold,
  score: (r, c) => ksTwoSample(numeric(r, 'ks').values, numeric(c, 'ks').values).pValue,
}

const chisquare: StatTest = {
  name: 'chisquare',
  label: 'chi-square p_value',
  scoreKind: 'p_value',
  defaultThreshold: 0.05,
  kinds: ['categorical'],
  drifted: (score, threshold) => score < threshold,
  score: (r, c) => {
    const { ref, cur } = alignedCounts(r, c)
    // Expected counts: the reference's, scaled to the current size (k_norm = |cur| / |ref|).
    const kNorm = cur.reduce((a, b) => a + b, 0) / ref.reduce((a, b) => a + b, 0)
    let stat = 0
    for (let k = 0; k < ref.length; k++) {
      const expected = (ref[k] as number) * kNorm
      const d = (cur[k] as number) - expected
      stat += (d * d) / expected
    }
    return chi2Sf(stat, ref.length - 1)
  },
}

const z: StatTest = {
  name: 'z',
  label: 'Z-test p_value',
  scoreKind: 'p_value',
  defaultThreshold: 0.05,
  kinds: ['categorical'],
  drifted: (score, threshold) => score < threshold,
  score: (r, c) => {
    const { keys, ref, cur } = alignedCounts(r, c)
    if (keys.length === 1) return 1
    // Two-proportion z-test on "not the first key" (two-sided, so the key chosen does not matter).
    const n1 = ref.reduce((a, b) => a + b, 0)
    const n2 = cur.reduce((a, b) => a + b, 0)
    const p1 = (n1 - (ref[0] as number)) / n1
    const p2 = (n2 - (cur[0] as number)) / n2
    const pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    const stat = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return 2 * (1 - normalCdf(Math.abs(stat)))
  },
}

const wasserstein: StatTest = {
  name: 'wasserstein',
  label: 'Wasserstein distance (normed)',
  scoreKind: 'distance',
  defaultThreshold: 0.1,
  kinds: ['numeric'],
  drifted: (score, threshold) => score >= threshold,
  score: (r, c) => {
    const rv = numeric(r, 'wasserstein').values
    const cv = numeric(c, 'wasserstein').values
    // A large reference (a stored one, compared with window after window) is indexed once:
    // its prefix sums and standard deviation are cached with its values.
    // (its grid of |ref|·|window| ticks must be exact in a double: always, short of 10¹⁶)
    const large = rv.length >= 4 * cv.length && rv.length * cv.length <= Number.MAX_SAFE_INTEGER
    const distance = large ? wasserstein1Indexed(rv, cv) : wasserstein1(rv, cv)
    return distance / Math.max(large ? cachedStd(rv, populationStd) : populationStd(rv), 0.001)
  },
}

const jensenshannon: StatTest = {
  name: 'jensenshannon',
  label: 'Jensen-Shannon distance',
  scoreKind: 'distance',
  defaultThreshold: 0.1,
  kinds: ['numeric', 'categorical'],
  drifted: (score, threshold) => score >= threshold,
  score: (r, c) => {
    const { ref, cur } = binnedShares(r, c, false)
    return jensenShannon(ref, cur)
  },
}

const psiTest: StatTest = {
  name: 'psi',
  label: 'PSI',
  scoreKind: 'distance',
  defaultThreshold: 0.1,
  kinds: ['numeric', 'categorical'],
  drifted: (score, threshold) => score >= threshold,
  score: (r, c) => {
    const { ref, cur } = binnedShares(r, c, true)
    return psi(ref, cur)
  },
}

/** Every test by name. */
export const STAT_TESTS: Readonly<Record<StatTestName, StatTest>> = {
  ks,
  chisquare,
  z,
  wasserstein,
  jensenshannon,
  psi: psiTest,
}

/** Whether `name` is one of {@link STAT_TEST_NAMES}. */
export function isStatTestName(name: string): name is StatTestName {
  return (STAT_TEST_NAMES as readonly string[]).includes(name)
}

/**
 * Evidently's default test (`_get_default_stattest`): with at most 1000 reference values, KS for
 * numeric columns with more than 5 distinct values, else chi-square (more than 2 distinct
 * values) or the Z-test; with more reference values, normed Wasserstein for numeric columns
 * with more than 5 distinct values, else Jensen–Shannon. Distinct values are counted over both
 * sides together.
 */
export function defaultStatTest(reference: ColumnSample, current: ColumnSample): StatTestName {
  const nUnique = unionDistinct(reference, current, 6)
  const small = referenceSize(reference) <= 1000
  if (reference.kind === 'numeric') {
    if (nUnique <= 5) return small ? (nUnique > 2 ? 'chisquare' : 'z') : 'jensenshannon'
    return small ? 'ks' : 'wasserstein'
  }
  if (small) return nUnique > 2 ? 'chisquare' : 'z'
  return 'jensenshannon'
}

function referenceSize(sample: ColumnSample): number {
  return sample.kind === 'numeric' ? sample.values.length : total(sample.counts)
}

/** Distinct values over both samples, counting at most up to `cap + 1`. */
function unionDistinct(a: ColumnSample, b: ColumnSample, cap: number): number {
  const seen = new Set<string>()
  for (const s of [a, b]) {
    if (s.kind === 'categorical') {
      for (const k of s.counts.keys()) seen.add(k)
    } else {
      const v = s.values
      for (let i = 0; i < v.length && seen.size <= cap; i++)
        if (i === 0 || v[i] !== v[i - 1]) seen.add(String(v[i]))
    }
    if (seen.size > cap) return seen.size
  }
  return seen.size
}
