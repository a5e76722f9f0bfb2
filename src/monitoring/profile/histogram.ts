import { type Binning, DEFAULT_BINS, type Histogram, PROFILE_QUANTILES } from './profile-types.js'

/**
 * The bins of a column spanning [min, max] (one zero-width value gets a unit-wide range
 * around it, so every value lands in a bin).
 */
export function binningFor(min: number, max: number, bins = DEFAULT_BINS): Binning {
  return max > min ? { lo: min, hi: max, bins } : { lo: min - 0.5, hi: max + 0.5, bins }
}

/**
 * The bin of `x`: ⌊(x − lo) · bins / (hi − lo)⌋, the top edge in the last bin; −1 below, `bins`
 * above. The SQL profiler computes the same expression, so both put every value in the same bin.
 */
export function binOf(x: number, b: Binning, scale: number): number {
  if (x < b.lo) return -1
  if (x > b.hi) return b.bins
  return Math.min(Math.floor((x - b.lo) * scale), b.bins - 1)
}

/** The factor {@link binOf} multiplies by. */
export function binScale(b: Binning): number {
  return b.bins / (b.hi - b.lo)
}

/** A histogram of `values` over `b`. */
export function histogramOf(values: Float64Array, b: Binning): Histogram {
  const counts = new Array<number>(b.bins).fill(0)
  const scale = binScale(b)
  let below = 0
  let above = 0
  for (let i = 0; i < values.length; i++) {
    const k = binOf(values[i] as number, b, scale)
    if (k < 0) below++
    else if (k >= b.bins) above++
    else counts[k] = (counts[k] as number) + 1
  }
  return { ...b, counts, below, above }
}

/**
 * {@link histogramOf} for ascending-sorted `values`: the same counts, found by searching where
 * each bin's run of values ends ({@link binOf} never decreases along sorted values), so a
 * column costs about one search per non-empty bin instead of a step per value.
 */
export function histogramOfSorted(values: Float64Array, b: Binning): Histogram {
  const counts = new Array<number>(b.bins).fill(0)
  const scale = binScale(b)
  const n = values.length
  let below = 0
  let above = 0
  let i = 0
  while (i < n) {
    const k = binOf(values[i] as number, b, scale)
    // galloping search for the first index whose bin is past k: values[known] is in bin k,
    // values[probe] (when probe < n) is not
    let known = i
    let probe = i + 1
    let step = 1
    while (probe < n && binOf(values[probe] as number, b, scale) === k) {
      known = probe
      step *= 2
      probe = i + step
    }
    let a = known + 1
    let z = Math.min(probe, n)
    while (a < z) {
      const mid = (a + z) >>> 1
      if (binOf(values[mid] as number, b, scale) === k) a = mid + 1
      else z = mid
    }
    if (k < 0) below += a - i
    else if (k >= b.bins) above += a - i
    else counts[k] = a - i
    i = a
  }
  return { ...b, counts, below, above }
}

/**
 * Quantiles interpolated linearly inside the histogram's bins (error at most one bin width,
 * (hi − lo) / bins); values outside the bins are clamped to the range's ends.
 */
export function quantilesFromHistogram(h: Histogram, min: number, max: number): Record<string, number> {
  const total = h.below + h.above + h.counts.reduce((a, b) => a + b, 0)
  const out: Record<string, number> = {}
  if (total === 0) return out
  const width = (h.hi - h.lo) / h.bins
  for (const q of PROFILE_QUANTILES) {
    const target = q * (total - 1)
    let seen = h.below
    let value = max
    if (target < seen) value = min
    else {
      for (let k = 0; k < h.bins; k++) {
        const c = h.counts[k] as number
        if (c > 0 && target < seen + c) {
          value = h.lo + (k + (target - seen + 0.5) / c) * width
          break
        }
        seen += c
      }
    }
    out[String(q)] = Math.min(Math.max(value, min), max)
  }
  return out
}

/** Linear-interpolated quantiles of ascending-sorted values (numpy's default, `linear`). */
export function quantilesOfSorted(sorted: Float64Array): Record<string, number> {
  const out: Record<string, number> = {}
  const n = sorted.length
  if (n === 0) return out
  for (const q of PROFILE_QUANTILES) {
    const pos = q * (n - 1)
    const lo = Math.floor(pos)
    const hi = Math.min(lo + 1, n - 1)
    const a = sorted[lo] as number
    out[String(q)] = a + (pos - lo) * ((sorted[hi] as number) - a)
  }
  return out
}

/** Whether two binnings are the same bins (so their histograms add). */
export function sameBinning(a: Binning, b: Binning): boolean {
  return a.lo === b.lo && a.hi === b.hi && a.bins === b.bins
}
