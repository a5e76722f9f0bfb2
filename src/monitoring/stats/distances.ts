/**
 * The distance statistics of the drift tests, each as SciPy/NumPy computes it: Wasserstein-1
 * (`scipy.stats.wasserstein_distance`), Jensen–Shannon (`scipy.spatial.distance.jensenshannon`)
 * and the population stability index of Evidently.
 */

/**
 * The first Wasserstein distance between two ascending-sorted samples: the integral of
 * |F_u − F_v| over the merged support (a single merge walk, no binning).
 */
export function wasserstein1(u: Float64Array, v: Float64Array): number {
  const nu = u.length
  const nv = v.length
  let i = 0
  let j = 0
  let total = 0
  let prev = Number.NaN
  let started = false
  while (i < nu || j < nv) {
    const x =
      j >= nv || (i < nu && (u[i] as number) <= (v[j] as number)) ? (u[i] as number) : (v[j] as number)
    if (started) total += Math.abs(i / nu - j / nv) * (x - prev)
    // Consume every copy of x from both samples: the ECDFs jump together.
    while (i < nu && u[i] === x) i++
    while (j < nv && v[j] === x) j++
    prev = x
    started = true
  }
  return total
}

/** SciPy `rel_entr(x, y)`: x·ln(x/y), 0 when x = 0, +∞ when y = 0 < x. */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y)
  if (x === 0 && y >= 0) return 0
  return Number.POSITIVE_INFINITY
}

/** The Jensen–Shannon distance (natural log) between two weight vectors, each normalized first. */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  const sp = p.reduce((a, b) => a + b, 0)
  const sq = q.reduce((a, b) => a + b, 0)
  let left = 0
  let right = 0
  for (let k = 0; k < p.length; k++) {
    const pk = (p[k] as number) / sp
    const qk = (q[k] as number) / sq
    const m = (pk + qk) / 2
    left += relEntr(pk, m)
    right += relEntr(qk, m)
  }
  return Math.sqrt((left + right) / 2)
}

/** The population stability index Σ (r − c)·ln(r / c) over shares with no zeros. */
export function psi(reference: readonly number[], current: readonly number[]): number {
  let total = 0
  for (let k = 0; k < reference.length; k++) {
    const r = reference[k] as number
    const c = current[k] as number
    total += (r - c) * Math.log(r / c)
  }
  return total
}
