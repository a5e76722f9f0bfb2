/**
 * Column and dataset profiles: the summary of a column a monitor keeps instead of its rows.
 * Every field is mergeable: counts add, min/max combine, mean and the sum of squared
 * deviations (`m2`) combine by Chan's formula, histograms over the same bins add, frequencies
 * add. Quantiles are exact when computed from rows and read from the histogram after a merge.
 */

/** Fixed equal-width bins over [lo, hi]: shared by a reference and its windows so they merge and compare. */
export interface Binning {
  lo: number
  hi: number
  bins: number
}

/** A histogram over a {@link Binning}, plus the values that fell outside it. */
export interface Histogram extends Binning {
  counts: number[]
  /** Values below `lo` / above `hi` (a window against a reference's bins). */
  below: number
  above: number
}

/** The quantiles a profile reports. */
export const PROFILE_QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] as const

/** What every column profile has. */
interface ColumnProfileBase {
  /** The SQL (or inferred) type the values came as. */
  type: string
  /** Rows seen. */
  count: number
  /** Null (and for numbers NaN and ±∞) values. */
  missing: number
  /** Non-null values that are not of the column's kind (a string in a numeric column). */
  typeViolations: number
}

/** A numeric column's profile. */
export interface NumericProfile extends ColumnProfileBase {
  kind: 'numeric'
  /** Finite numeric values: count − missing − typeViolations. */
  valid: number
  /** `null` when there is no valid value. */
  min: number | null
  max: number | null
  mean: number | null
  /** Sum of squared deviations from the mean (std = √(m2 / valid), numpy's `std`). */
  m2: number
  /** Quantile (as a string of the probability, e.g. `"0.5"`) → value; empty without valid values. */
  quantiles: Record<string, number>
  /** `exact` (computed from the rows) or `histogram` (interpolated in the fine histogram, after a merge). */
  quantileSource: 'exact' | 'histogram'
  histogram: Histogram | null
  /** Value → count while the column has at most {@link DISTINCT_CAP} distinct values, else `null`. */
  distinct: Record<string, number> | null
}

/** A categorical column's profile. */
export interface CategoricalProfile extends ColumnProfileBase {
  kind: 'categorical'
  valid: number
  /** Value → count for the most frequent {@link CATEGORY_CAP} values. */
  frequencies: Record<string, number>
  /** Values beyond the cap, counted together (0 when every value is listed). */
  other: number
}

/** A column's profile. */
export type ColumnProfile = NumericProfile | CategoricalProfile

/** A profile of a whole table or window. */
export interface DatasetProfile {
  format: 'strata.profile/v1'
  rows: number
  columns: Record<string, ColumnProfile>
  /** Where the rows came from (a dataset commit, a window of the payload log, …), for reports. */
  source?: Record<string, unknown>
}

/** Distinct numeric values tracked per column (enough for Evidently's ≤ 5 and ≤ 20 distinct-value rules). */
export const DISTINCT_CAP = 32

/** Categories kept per column. */
export const CATEGORY_CAP = 10_000

/** Default number of bins of the fine histogram. */
export const DEFAULT_BINS = 1000

/** Population standard deviation of a numeric profile (numpy `std`), `null` without values. */
export function profileStd(p: NumericProfile): number | null {
  return p.valid === 0 ? null : Math.sqrt(p.m2 / p.valid)
}
