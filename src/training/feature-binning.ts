import { StrataError } from '../core/errors.js'
import type { DenseMatrix } from './dense-matrix.js'

/**
 * Per-feature split thresholds for histogram-based trees. Feature `f`'s values fall in bin 0
 * when NaN (missing), else in bin `e + 1` for the first edge `e` with `x <= edges[f][e]`
 * (compared at float32 precision), or in the last bin `edges[f].length + 1` above every edge.
 * Edges are ascending float32 values taken from the data, so "bin ≤ b" is exactly
 * "x <= edges[f][b - 1]", the test an exported tree makes.
 */
export interface FeatureBinning {
  edges: Float64Array[]
}

/** Most rows looked at when choosing edges; larger inputs are sampled with a fixed stride. */
const SAMPLE_ROWS = 200_000

/**
 * Chooses up to `maxBins - 2` edges per feature (one bin is for missing values, and `k` edges
 * make `k + 1` value bins): every distinct value when there are few, else quantiles.
 */
export function computeFeatureBinning(m: DenseMatrix, maxBins: number): FeatureBinning {
  if (!Number.isInteger(maxBins) || maxBins < 3 || maxBins > 256) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `maxBins = ${maxBins} is invalid; expected a whole number in 3…256`,
    )
  }
  const maxEdges = maxBins - 2
  const stride = Math.max(1, Math.ceil(m.rows / SAMPLE_ROWS))
  const edges: Float64Array[] = []
  for (let f = 0; f < m.cols; f++) {
    const values: number[] = []
    for (let i = 0; i < m.rows; i += stride) {
      const v = m.data[i * m.cols + f] as number
      if (Number.isNaN(v)) continue
      if (!Number.isFinite(v)) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `feature ${f} of row ${i} is ${v}; expected a finite number or NaN for missing`,
        )
      }
      values.push(Math.fround(v))
    }
    const sorted = Float64Array.from(values).sort()
    const distinct: number[] = []
    for (const v of sorted) if (distinct.length === 0 || distinct[distinct.length - 1] !== v) distinct.push(v)
    if (distinct.length - 1 <= maxEdges) {
      edges.push(Float64Array.from(distinct.slice(0, -1)))
      continue
    }
    const chosen: number[] = []
    for (let k = 1; k <= maxEdges; k++) {
      const v = sorted[
        Math.min(sorted.length - 1, Math.floor((k * sorted.length) / (maxEdges + 1)))
      ] as number
      if (
        v < (distinct[distinct.length - 1] as number) &&
        (chosen.length === 0 || v > (chosen[chosen.length - 1] as number))
      ) {
        chosen.push(v)
      }
    }
    edges.push(Float64Array.from(chosen))
  }
  return { edges }
}

/** The bin of one value (see {@link FeatureBinning}). */
export function binOf(edges: Float64Array, value: number): number {
  const v = Math.fround(value)
  if (Number.isNaN(v)) return 0
  let lo = 0
  let hi = edges.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (v <= (edges[mid] as number)) hi = mid
    else lo = mid + 1
  }
  return lo + 1
}

/** Bins every value, column-major: the bin of row `i`, feature `f` is at `f * rows + i`. */
export function binMatrix(m: DenseMatrix, binning: FeatureBinning): Uint8Array {
  if (binning.edges.length !== m.cols) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `the input has ${m.cols} features; the binning has ${binning.edges.length}`,
    )
  }
  const out = new Uint8Array(m.rows * m.cols)
  for (let f = 0; f < m.cols; f++) {
    const edges = binning.edges[f] as Float64Array
    const base = f * m.rows
    for (let i = 0; i < m.rows; i++) out[base + i] = binOf(edges, m.data[i * m.cols + f] as number)
  }
  return out
}
