/**
 * The first Wasserstein distance of a small sorted sample against a large sorted one (a
 * window against a stored reference) without walking the large one, in the quantile form
 * W₁ = ∫₀¹ |Q_u(t) − Q_v(t)| dt. On an integer grid of nu·nv ticks, reference value i covers
 * ticks [i·nv, (i + 1)·nv) and a run of equal window values j..j′ covers [j·nu, j′·nu); over
 * one run the window's quantile is a constant x, so the run adds Σ overlap·|u_i − x| over the
 * reference values it covers: the whole ones through prefix sums of the reference (cached per
 * reference array) split where u crosses x, the partly covered one at each end directly. Work
 * per distinct window value, not per reference value; equal to the merge walk
 * ({@link wasserstein1}) up to floating-point rounding (the prefix sums are taken about the
 * median, so offsets do not cost precision).
 */

/** A sorted reference's prefix sums about its median: `prefix[k]` = Σ_{i<k} (u_i − shift). */
interface ReferenceIndex {
  shift: number
  prefix: Float64Array
}

const indexes = new WeakMap<Float64Array, ReferenceIndex>()

function indexOf(u: Float64Array): ReferenceIndex {
  let index = indexes.get(u)
  if (index === undefined) {
    const shift = u[u.length >>> 1] as number
    const prefix = new Float64Array(u.length + 1)
    let sum = 0
    for (let i = 0; i < u.length; i++) {
      sum += (u[i] as number) - shift
      prefix[i + 1] = sum
    }
    index = { shift, prefix }
    indexes.set(u, index)
  }
  return index
}

/**
 * The first Wasserstein distance between sorted `u` (the large side, indexed once and cached)
 * and sorted `v`; both non-empty, with `u.length · v.length` at most `Number.MAX_SAFE_INTEGER`
 * (the grid's ticks are exact integers).
 */
export function wasserstein1Indexed(u: Float64Array, v: Float64Array): number {
  const nu = u.length
  const nv = v.length
  const { shift, prefix } = indexOf(u)
  let total = 0 // Σ overlap (in ticks) · |u_i − x|
  let j = 0
  while (j < nv) {
    const x = v[j] as number
    const start = j
    while (j < nv && v[j] === x) j++
    const a = start * nu // the run's ticks [a, b)
    const b = j * nu
    const f0 = Math.ceil(a / nv) // whole reference values f0 .. f1 − 1
    const f1 = Math.floor(b / nv)
    if (f0 > f1) {
      // the run lies inside one reference value
      total += (b - a) * Math.abs((u[f1] as number) - x)
      continue
    }
    if (a < f0 * nv) total += (f0 * nv - a) * Math.abs((u[f0 - 1] as number) - x)
    if (f1 * nv < b) total += (b - f1 * nv) * Math.abs((u[f1] as number) - x)
    if (f0 === f1) continue
    // p: the first of f0 .. f1 − 1 above x (u ascending)
    let p: number
    if ((u[f0] as number) > x) p = f0
    else if ((u[f1 - 1] as number) <= x) p = f1
    else {
      let lo = f0 + 1 // u[lo − 1] ≤ x
      let hi = f1 - 1 // u[hi] > x
      if (hi - lo < 16) {
        // a short span (the usual one: about nu / nv values): a scan predicts better than halving
        while ((u[lo] as number) <= x) lo++
        hi = lo
      }
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if ((u[mid] as number) <= x) lo = mid + 1
        else hi = mid
      }
      p = lo
    }
    const xs = x - shift
    const pp = prefix[p] as number
    total +=
      nv * (xs * (p - f0) - (pp - (prefix[f0] as number)) + ((prefix[f1] as number) - pp) - xs * (f1 - p))
  }
  return total / nu / nv
}

/** Population standard deviations of reference arrays, cached (a stored reference is immutable). */
const stds = new WeakMap<Float64Array, number>()

/** `compute(a)`, cached per array: for statistics of a stored reference's sorted values. */
export function cachedStd(a: Float64Array, compute: (a: Float64Array) => number): number {
  let s = stds.get(a)
  if (s === undefined) {
    s = compute(a)
    stds.set(a, s)
  }
  return s
}
