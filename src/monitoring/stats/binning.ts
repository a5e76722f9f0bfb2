import { searchSorted } from './sorted-values.js'

/**
 * `numpy.histogram_bin_edges(values, bins='sturges')` for data spanning [lo, hi] with `n`
 * values: ⌈ptp / (ptp / (log2 n + 1))⌉ equal bins, edges from `linspace` (start + i·step, the
 * last edge exactly `hi`).
 */
export function sturgesEdges(lo: number, hi: number, n: number): Float64Array {
  const ptp = hi - lo
  if (!(ptp > 0)) {
    // numpy widens a zero range to [lo − 0.5, hi + 0.5] with one bin.
    return Float64Array.of(lo - 0.5, hi + 0.5)
  }
  const width = ptp / (Math.log2(n) + 1)
  const bins = Math.ceil(ptp / width)
  const step = ptp / bins
  const edges = new Float64Array(bins + 1)
  for (let i = 0; i <= bins; i++) edges[i] = i * step + lo
  edges[bins] = hi
  return edges
}

/**
 * `numpy.histogram(values, edges)` for ascending-sorted values: half-open bins [e_i, e_i+1)
 * except the last, which includes its right edge.
 */
export function histogramSorted(sorted: Float64Array, edges: Float64Array): number[] {
  const bins = edges.length - 1
  const counts = new Array<number>(bins)
  let prev = searchSorted(sorted, edges[0] as number, 'left')
  for (let i = 0; i < bins; i++) {
    const next =
      i === bins - 1
        ? searchSorted(sorted, edges[bins] as number, 'right')
        : searchSorted(sorted, edges[i + 1] as number, 'left')
    counts[i] = next - prev
    prev = next
  }
  return counts
}

/**
 * Evidently's zero filling (`get_binned_data(feel_zeroes=True)`): empty shares become the
 * smallest non-zero share / 10⁶ when that is ≤ 0.0001, else 0.0001.
 */
export function fillZeroShares(shares: number[]): number[] {
  let min = Number.POSITIVE_INFINITY
  for (const s of shares) if (s !== 0 && s < min) min = s
  const fill = min <= 0.0001 ? min / 1e6 : 0.0001
  return shares.map((s) => (s === 0 ? fill : s))
}
