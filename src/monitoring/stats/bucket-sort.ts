/**
 * Sorting the finite numbers of a window column fast: a bucket sort over the column's range
 * (about 25 values a bucket: one counting pass, one scatter, then the built-in typed-array sort
 * of each small bucket). The result is exactly what `Float64Array.prototype.sort` gives
 * (ascending, −0 before +0) in about half its time for 100k values — sorting is most of what
 * profiling a numeric window column costs. NaN must not be present.
 */

const PER_BUCKET = 25

/** Returns `values` (finite numbers in `[min, max]`) sorted ascending, in a new array. */
export function sortFinite(values: Float64Array, min: number, max: number): Float64Array {
  const n = values.length
  const buckets = Math.floor(n / PER_BUCKET)
  const scale = buckets / (max - min)
  // too few values, one value, or a range so narrow (subnormal) or wide that the scale is not finite
  if (buckets < 16 || !(max > min) || !Number.isFinite(scale) || !Number.isFinite(max - min) || scale === 0)
    return values.slice().sort()
  const bucketOf = (x: number) => {
    const k = Math.floor((x - min) * scale)
    return Math.min(buckets, Math.max(0, k))
  }
  const ends = new Uint32Array(buckets + 1)
  for (let i = 0; i < n; i++) {
    const k = bucketOf(values[i] as number)
    ends[k] = (ends[k] as number) + 1
  }
  let sum = 0
  for (let k = 0; k <= buckets; k++) {
    const c = ends[k] as number
    ends[k] = sum
    sum += c
  }
  const starts = ends.slice()
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const x = values[i] as number
    const k = bucketOf(x) // recomputed: cheaper than storing each value's bucket
    const at = ends[k] as number
    ends[k] = at + 1
    out[at] = x
  }
  for (let k = 0; k <= buckets; k++) {
    const s = starts[k] as number
    const e = ends[k] as number
    if (e - s > 1) out.subarray(s, e).sort()
  }
  return out
}
