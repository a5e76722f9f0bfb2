import { searchSorted } from './sorted-values.js'

/** The result of {@link ksTwoSample}. */
export interface KsResult {
  /** The KS statistic D: the largest distance between the two empirical distribution functions. */
  statistic: number
  pValue: number
  /**
   * `exact` (the lattice-path count SciPy's `ks_2samp` uses when both samples have at most
   * 10,000 values) or `exact-large` (the same exact count beyond that size, where SciPy switches
   * to an asymptotic approximation: the two can then differ in the p-value, see docs/monitoring.md).
   */
  method: 'exact' | 'exact-large'
}

const MAX_AUTO_N = 10_000

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}

/**
 * The two-sided two-sample Kolmogorov–Smirnov test on two ascending-sorted samples, computed as
 * SciPy's `ks_2samp(method='auto')` does for samples of up to 10,000 values: D from the ECDFs,
 * then the exact p-value by Hodges' lattice-path recursion (Viehmann's 1 − p form) or, for equal
 * sizes, the closed alternating sum. Both samples must be non-empty.
 */
export function ksTwoSample(a: Float64Array, b: Float64Array): KsResult {
  const n1 = a.length
  const n2 = b.length
  if (n1 === 0 || n2 === 0) throw new RangeError('ksTwoSample needs two non-empty samples')
  // D = max |F1(x) − F2(x)| over every observed x (ECDFs evaluated with side='right').
  let maxS = Number.NEGATIVE_INFINITY
  let minS = Number.POSITIVE_INFINITY
  const visit = (x: number) => {
    const diff = searchSorted(a, x, 'right') / n1 - searchSorted(b, x, 'right') / n2
    if (diff > maxS) maxS = diff
    if (diff < minS) minS = diff
  }
  mergeWalk(a, b, visit)
  const negMin = Math.min(Math.max(-minS, 0), 1)
  const d = Math.max(negMin, maxS)
  const g = gcd(n1, n2)
  const lcm = (n1 / g) * n2
  const h = Math.round(d * lcm)
  const dExact = h / lcm
  const method = Math.max(n1, n2) <= MAX_AUTO_N ? 'exact' : 'exact-large'
  if (h === 0) return { statistic: dExact, pValue: 1, method }
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h)
  return { statistic: dExact, pValue: Math.min(Math.max(p, 0), 1), method }
}

/** Calls `visit` for each value of `a` and `b` in ascending order, walking both at once. */
function mergeWalk(a: Float64Array, b: Float64Array, visit: (x: number) => void): void {
  let i = 0
  let j = 0
  let last = Number.NaN
  while (i < a.length || j < b.length) {
    const x =
      j >= b.length || (i < a.length && (a[i] as number) <= (b[j] as number))
        ? (a[i++] as number)
        : (b[j++] as number)
    // Equal values give equal ECDF differences: evaluate each distinct value once.
    if (x !== last) visit(x)
    last = x
  }
}

/** P(D_{n,n} ≥ h/n) by the Horner form of the alternating binomial sum. */
function probOutsideSquare(n: number, h: number): number {
  let p = 0
  let k = Math.floor(n / h)
  while (k >= 0) {
    let p1 = 1
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1)
    p = p1 * (1 - p)
    k--
  }
  return 2 * p
}

/** The proportion of lattice paths from (0,0) to (m,n) that leave the band |x/m − y/n| < h/lcm. */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0)
  const n = Math.min(m0, n0)
  const mg = Math.floor(m / g)
  const ng = Math.floor(n / g)
  let minj = 0
  let maxj = Math.min(Math.ceil(h / mg), n + 1)
  let curlen = maxj - minj
  const lenA = Math.min(2 * maxj + 2, n + 1)
  const A = new Float64Array(lenA).fill(1)
  A.fill(0, minj, maxj)
  for (let i = 1; i <= m; i++) {
    const lastminj = minj
    const lastlen = curlen
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n)
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1)
    if (maxj <= minj) return 1
    let val = minj === 0 ? 0 : 1
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj
      val = ((A[jj + minj - lastminj] as number) * i + val * j) / (i + j)
      A[jj] = val
    }
    curlen = maxj - minj
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen))
  }
  return A[maxj - minj - 1] as number
}
