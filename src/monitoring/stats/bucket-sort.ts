/**
 * Sorting the finite numbers of a window column fast: a bucket sort over the column's range
 * (about 2 values a bucket: one counting pass, one scatter; a bucket of more than
 * {@link INSERTION_MAX} values, skewed data, is bucket-sorted again over its own range; then one
 * insertion pass over the whole array, whose only inversions are inside small buckets). The
 * result is exactly what `Float64Array.prototype.sort` gives (ascending, −0 before +0) in a
 * fraction of its time for 100k values — sorting is most of what profiling a numeric window
 * column costs. NaN must not be present.
 */

const PER_BUCKET = 2

/** Largest bucket left to the final insertion pass (quadratic); larger ones are sorted first. */
const INSERTION_MAX = 64

/** Bucket counters kept between calls (a column's window after another: no allocation, no GC). */
let scratch = new Uint32Array(0)

/** Whether `y` sorts after `x` in the built-in order: y > x, or y is +0 and x is −0 (told apart by 1/y = +∞ > 1/x = −∞). */
function after(y: number, x: number): boolean {
  return y > x || (y === x && x === 0 && 1 / y > 1 / x)
}

/** Sorts `a[s, e)` in place by insertion, in the built-in order (−0 before +0). */
function insertionSort(a: Float64Array, s: number, e: number): void {
  for (let i = s + 1; i < e; i++) {
    const x = a[i] as number
    let j = i - 1
    let y = a[j] as number
    if (!after(y, x)) continue // already in place: the usual case after the scatter
    do {
      a[j + 1] = y
      if (--j < s) break
      y = a[j] as number
    } while (after(y, x))
    a[j + 1] = x
  }
}

/** A bucket too large for insertion (skewed data): bucket-sorted again over its own range. */
function sortLarge(a: Float64Array, s: number, e: number): void {
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (let i = s; i < e; i++) {
    const x = a[i] as number
    if (x < lo) lo = x
    if (x > hi) hi = x
  }
  if (lo === hi && lo !== 0) return // one value (not ±0): already in order
  const part = a.subarray(s, e)
  // a range no narrower than the whole column's would not split: the built-in sort
  a.set(hi - lo > 0 && e - s < a.length ? sortFinite(part, lo, hi) : part.slice().sort(), s)
}

/** Returns `values` (finite numbers in `[min, max]`) sorted ascending, in a new array (never `values` itself). */
export function sortFinite(values: Float64Array, min: number, max: number): Float64Array {
  const n = values.length
  const buckets = Math.floor(n / PER_BUCKET)
  const scale = buckets / (max - min)
  // too few values, one value, or a range so narrow (subnormal) or wide that the scale is not finite
  if (buckets < 16 || !(max > min) || !Number.isFinite(scale) || !Number.isFinite(max - min) || scale === 0)
    return values.slice().sort()
  // the counters: the scratch array, taken (a nested call for a large bucket gets its own)
  let ends = scratch
  scratch = new Uint32Array(0)
  if (ends.length < buckets + 1) ends = new Uint32Array(buckets + 1)
  else ends.fill(0, 0, buckets + 1)
  // x in [min, max] gives (x − min) · scale in [0, buckets] (rounding stays below buckets + 1)
  for (let i = 0; i < n; i++) {
    const k = (((values[i] as number) - min) * scale) | 0
    ends[k] = (ends[k] as number) + 1
  }
  let sum = 0
  for (let k = 0; k <= buckets; k++) {
    const c = ends[k] as number
    ends[k] = sum
    sum += c
  }
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const x = values[i] as number
    const k = ((x - min) * scale) | 0 // recomputed: cheaper than storing each value's bucket
    const at = ends[k] as number
    ends[k] = at + 1
    out[at] = x
  }
  // after the scatter, ends[k] is where bucket k ends and bucket k + 1 starts
  let s = 0
  for (let k = 0; k <= buckets; k++) {
    const e = ends[k] as number
    if (e - s > INSERTION_MAX) sortLarge(out, s, e)
    s = e
  }
  if (scratch.length < ends.length) scratch = ends
  // the bucket never decreases with x: every inversion left is inside one small bucket
  insertionSort(out, 0, n)
  return out
}
