/**
 * The first Wasserstein distance of a small sorted sample against a large sorted one (a
 * window against a stored reference) without walking the large one, in the quantile form
 * W₁ = ∫₀¹ |Q_u(t) − Q_v(t)| dt. On an integer grid of nu·nv ticks, reference value i covers
 * ticks [i·nv, (i + 1)·nv) and window value j covers [j·nu, (j + 1)·nu). Where a window value
 * x is on one side of every reference value its ticks cover (the usual case: the window's
 * quantiles wander far more than the reference's values are apart), |u − x| has one sign, so a
 * stretch of such values adds ±(Σ x·ticks − Σ u over its ticks), the latter from prefix sums of
 * the reference at the stretch's two ends. Which side is decided a block of 32 window values at
 * a time from every 64th reference value (a small array that stays in cache): a block that is
 * wholly on one side costs a plain sum of its values; otherwise run by run of equal values,
 * reading the reference itself where the coarse values do not tell, and a run that straddles x
 * is summed directly (prefix sums split where u crosses x). Equal to the merge walk
 * ({@link wasserstein1}) up to floating-point rounding (values are taken about the reference's
 * median, so offsets do not cost precision).
 */

/** Every `1 << COARSE`-th reference value is kept in {@link ReferenceIndex.coarse}. */
const COARSE = 6

/** Window values tried together against the coarse values (one side for all, or one by one). */
const BLOCK = 32

/** A sorted reference's prefix sums about its median: `prefix[k]` = Σ_{i<k} (u_i − shift). */
interface ReferenceIndex {
  shift: number
  prefix: Float64Array
  /** `coarse[k]` = u[min(k·64, nu − 1)]: bounds of u over each block of 64 values. */
  coarse: Float64Array
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
    const last = u.length - 1
    const coarse = new Float64Array((last >>> COARSE) + 2)
    for (let k = 0; k < coarse.length; k++) coarse[k] = u[Math.min(k << COARSE, last)] as number
    index = { shift, prefix, coarse }
    indexes.set(u, index)
  }
  return index
}

/**
 * Σ over ticks [a, b) of (u(tick) − shift), where tick t shows reference value ⌊t / nv⌋; `qa`
 * and `qb` are ⌊a / nv⌋ and ⌊b / nv⌋.
 */
function tickSum(
  u: Float64Array,
  index: ReferenceIndex,
  nv: number,
  a: number,
  qa: number,
  b: number,
  qb: number,
): number {
  const { shift, prefix } = index
  if (qa === qb) return (b - a) * ((u[qa] as number) - shift)
  // the partly covered value at the start, whole values qa + 1 .. qb − 1, the part of qb
  let s = ((qa + 1) * nv - a) * ((u[qa] as number) - shift)
  s += nv * ((prefix[qb] as number) - (prefix[qa + 1] as number))
  const tail = b - qb * nv
  if (tail > 0) s += tail * ((u[qb] as number) - shift)
  return s
}

/**
 * Σ over ticks [a, b) of |u(tick) − x| for a run that straddles x: whole reference values by
 * prefix sums split where u crosses x, partly covered ones at each end directly.
 */
function straddlingRun(
  u: Float64Array,
  index: ReferenceIndex,
  nv: number,
  a: number,
  b: number,
  x: number,
): number {
  const { shift, prefix } = index
  const f0 = Math.ceil(a / nv) // whole reference values f0 .. f1 − 1
  const f1 = Math.floor(b / nv)
  if (f0 > f1) return (b - a) * Math.abs((u[f1] as number) - x) // inside one reference value
  let total = 0
  if (a < f0 * nv) total += (f0 * nv - a) * Math.abs((u[f0 - 1] as number) - x)
  if (f1 * nv < b) total += (b - f1 * nv) * Math.abs((u[f1] as number) - x)
  if (f0 === f1) return total
  // p: the first of f0 .. f1 − 1 above x (u ascending)
  let p: number
  if ((u[f0] as number) > x) p = f0
  else if ((u[f1 - 1] as number) <= x) p = f1
  else {
    let lo = f0 + 1 // u[lo − 1] ≤ x
    let hi = f1 - 1 // u[hi] > x
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((u[mid] as number) <= x) lo = mid + 1
      else hi = mid
    }
    p = lo
  }
  const xs = x - shift
  const pp = prefix[p] as number
  return (
    total +
    nv * (xs * (p - f0) - (pp - (prefix[f0] as number)) + ((prefix[f1] as number) - pp) - xs * (f1 - p))
  )
}

/**
 * The first Wasserstein distance between sorted `u` (the large side, indexed once and cached)
 * and sorted `v`; both non-empty, with `u.length · v.length` at most `Number.MAX_SAFE_INTEGER`
 * (the grid's ticks are exact integers).
 */
export function wasserstein1Indexed(u: Float64Array, v: Float64Array): number {
  const nu = u.length
  const nv = v.length
  const index = indexOf(u)
  const { shift, coarse } = index
  // one window value advances the tick by nu = step·nv + rest
  const step = Math.floor(nu / nv)
  const rest = nu - step * nv
  let total = 0 // Σ over ticks of |u − v|
  // the open stretch: sign +1 (x ≥ every u it covers), −1 (x ≤ every u), 0 (none open)
  let sign = 0
  let stretchA = 0 // its first tick, and ⌊stretchA / nv⌋
  let stretchQ = 0
  let stretchX = 0 // Σ (x − shift) · ticks over its runs
  let a = 0 // the run's first tick, a = qa·nv + ra
  let qa = 0
  let ra = 0
  let j = 0
  while (j < nv) {
    // A block of BLOCK window values wholly on one side of the reference values it covers (told
    // from the coarse values alone): its ticks add Σ (x − shift) · nu, no step per value.
    const j1 = j + BLOCK
    if (j1 <= nv) {
      const b = j1 * nu
      const qb = Math.floor(b / nv)
      const rb = b - qb * nv
      const last = rb > 0 ? qb : qb - 1
      const side =
        (v[j] as number) >= (coarse[(last >>> COARSE) + 1] as number)
          ? 1
          : (v[j1 - 1] as number) <= (coarse[qa >>> COARSE] as number)
            ? -1
            : 0
      if (side !== 0) {
        if (side !== sign) {
          if (sign !== 0) total += sign * (stretchX - tickSum(u, index, nv, stretchA, stretchQ, a, qa))
          sign = side
          stretchA = a
          stretchQ = qa
          stretchX = 0
        }
        let sum = 0
        for (let k = j; k < j1; k++) sum += (v[k] as number) - shift
        stretchX += sum * nu
        j = j1
        a = b
        qa = qb
        ra = rb
        continue
      }
    }
    // otherwise run by run (a run of equal values may go on past the block: sums over ticks add up)
    const stop = Math.min(j1, nv)
    while (j < stop) {
      const x = v[j] as number
      const start = j
      j++
      while (j < nv && v[j] === x) j++
      // the run's end tick b = j·nu = qb·nv + rb
      let qb: number
      let rb: number
      if (j - start === 1) {
        qb = qa + step
        rb = ra + rest
        if (rb >= nv) {
          rb -= nv
          qb++
        }
      } else {
        const b = j * nu
        qb = Math.floor(b / nv)
        rb = b - qb * nv
      }
      const b = qb * nv + rb
      // reference values the run touches: qa .. last
      const last = rb > 0 ? qb : qb - 1
      let side: number
      if (x >= (coarse[(last >>> COARSE) + 1] as number) || x >= (u[last] as number)) side = 1
      else if (x <= (coarse[qa >>> COARSE] as number) || x <= (u[qa] as number)) side = -1
      else side = 0
      if (side !== sign) {
        if (sign !== 0) total += sign * (stretchX - tickSum(u, index, nv, stretchA, stretchQ, a, qa))
        sign = side
        stretchA = a
        stretchQ = qa
        stretchX = 0
      }
      if (side === 0) total += straddlingRun(u, index, nv, a, b, x)
      else stretchX += (x - shift) * (b - a)
      a = b
      qa = qb
      ra = rb
    }
  }
  if (sign !== 0) total += sign * (stretchX - tickSum(u, index, nv, stretchA, stretchQ, a, qa))
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
