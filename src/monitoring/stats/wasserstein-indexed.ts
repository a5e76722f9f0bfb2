/**
 * The first Wasserstein distance of a small sorted sample against a large sorted one (a
 * window against a stored reference) without walking the large one: between two consecutive
 * distinct window values the window's ECDF is a constant c, and the integral of |F_ref − c|
 * over that gap comes from prefix sums of the reference values (cached per reference array) and
 * the one reference value where F_ref crosses c; reference positions are found by galloping
 * search from the previous one. O(m·log(n/m)) instead of O(n + m) per window; equal to the
 * merge walk ({@link wasserstein1}) up to floating-point rounding (the prefix sums are taken
 * about the median, so offsets do not cost precision).
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

/** #{u_i ≤ x}, searching up from `from` (a count already known to be ≤ the answer). */
function countAtMost(u: Float64Array, x: number, from: number): number {
  const n = u.length
  if (from >= n || (u[from] as number) > x) return from
  let lo = from + 1
  let step = 1
  let hi = lo + step
  while (hi <= n && (u[hi - 1] as number) <= x) {
    lo = hi
    step *= 2
    hi = lo + step
  }
  let b = Math.min(hi - 1, n)
  let a = lo
  while (a < b) {
    const mid = (a + b + 1) >>> 1
    if ((u[mid - 1] as number) <= x) a = mid
    else b = mid - 1
  }
  return a
}

/**
 * The first Wasserstein distance between sorted `u` (the large side, indexed once and cached)
 * and sorted `v`; both non-empty.
 */
export function wasserstein1Indexed(u: Float64Array, v: Float64Array): number {
  const nu = u.length
  const nv = v.length
  const { shift, prefix } = indexOf(u)
  /** ∫_a^b F_u(x) dx · nu, given ka = K(a), kb = K(b). */
  const integral = (a: number, b: number, ka: number, kb: number) =>
    ka * (b - a) + (kb - ka) * (b - shift) - ((prefix[kb] as number) - (prefix[ka] as number))
  let total = 0
  const first = v[0] as number
  let ka = countAtMost(u, first, 0)
  // Below the window's first value its ECDF is 0: ∫ F_u from u_0 up to it.
  if ((u[0] as number) < first) total += integral(u[0] as number, first, 0, ka) / nu
  let j = 0
  while (j < nv) {
    const a = v[j] as number
    while (j < nv && v[j] === a) j++
    if (j === nv) {
      // Above the window's last value its ECDF is 1: ∫ (1 − F_u) up to u's last value.
      const last = u[nu - 1] as number
      if (last > a) total += last - a - integral(a, last, ka, nu) / nu
      break
    }
    const b = v[j] as number
    // c = j / nv; F_u ≥ c exactly from u[s − 1] on, s = ⌈j·nu / nv⌉ (integer arithmetic).
    const s = Math.floor((j * nu + nv - 1) / nv)
    const cross = s === 0 ? a : (u[s - 1] as number)
    // m: where F_u reaches c within [a, b] (a when already there, b when not before b).
    const m = Math.min(Math.max(cross, a), b)
    const km = cross <= a ? ka : cross > b ? countAtMost(u, b, ka) : countAtMost(u, m, Math.max(ka, s))
    const kb = countAtMost(u, b, km)
    const c = j / nv
    total += c * (m - a) - integral(a, m, ka, km) / nu + integral(m, b, km, kb) / nu - c * (b - m)
    ka = kb
  }
  return total
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
