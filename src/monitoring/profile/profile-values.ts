import type { CategoricalSample, ColumnSample, NumericSample } from '../drift/column-sample.js'
import { sortFinite } from '../stats/bucket-sort.js'
import { binningFor, histogramOfSorted, quantilesOfSorted } from './histogram.js'
import {
  type Binning,
  CATEGORY_CAP,
  type CategoricalProfile,
  type DatasetProfile,
  DEFAULT_BINS,
  DISTINCT_CAP,
  type NumericProfile,
} from './profile-types.js'

/** A column of raw values (as the payload log returns them) and the kind it should have. */
export interface RawColumn {
  kind: 'numeric' | 'categorical'
  values: readonly unknown[]
}

/** Options for {@link profileValues}. */
export interface ProfileValuesOptions {
  /** Per numeric column: the bins to use (a reference's, so windows merge and compare). */
  binnings?: Record<string, Binning>
  /** Bins of a numeric column without a given binning (default 1000, over its own min–max). */
  bins?: number
  /** Recorded on the profile. */
  source?: Record<string, unknown>
}

/** A profile together with the exact samples the drift tests need. */
export interface ProfiledValues {
  profile: DatasetProfile
  samples: Record<string, ColumnSample>
}

/**
 * Profiles columns of raw values in memory (a window of the payload log): numbers are gathered
 * into a typed array and sorted once; a value of the wrong kind (a string in a numeric column,
 * an object in a categorical one) is a type violation, counted and left out; null, NaN and ±∞
 * are missing. Returns the samples too, so drift runs on the same pass.
 */
export function profileValues(
  columns: Record<string, RawColumn>,
  options: ProfileValuesOptions = {},
): ProfiledValues {
  const profile: DatasetProfile = { format: 'strata.profile/v1', rows: 0, columns: {} }
  if (options.source !== undefined) profile.source = options.source
  const samples: Record<string, ColumnSample> = {}
  for (const [name, col] of Object.entries(columns)) {
    profile.rows = Math.max(profile.rows, col.values.length)
    if (col.kind === 'numeric') {
      const { sample, violations } = numericValues(col.values)
      samples[name] = sample
      profile.columns[name] = numericProfile(
        sample,
        violations,
        options.binnings?.[name],
        options.bins ?? DEFAULT_BINS,
      )
    } else {
      const { sample, violations } = categoricalValues(col.values)
      samples[name] = sample
      profile.columns[name] = categoricalProfile(sample, violations, 'VARCHAR')
    }
  }
  return { profile, samples }
}

/** The largest gather buffer kept between columns (8 MB): a window's columns reuse one buffer. */
const KEEP_GATHER = 1 << 20
let gatherBuffer = new Float64Array(0)

function numericValues(values: readonly unknown[]): { sample: NumericSample; violations: number } {
  // the finite values gathered into a reused buffer: the sort copies them into the sample's own array
  const out = gatherBuffer.length >= values.length ? gatherBuffer : new Float64Array(values.length)
  if (out.length <= KEEP_GATHER) gatherBuffer = out
  let n = 0
  let missing = 0
  let violations = 0
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  // indexed loops, not for…of: no iterator results, no boxed numbers (a window is 100k values a column)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    let x: number
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) {
        missing++
        continue
      }
      x = v
    } else if (typeof v === 'bigint') x = Number(v)
    else {
      if (v === null || v === undefined) missing++
      else violations++
      continue
    }
    out[n++] = x
    if (x < min) min = x
    if (x > max) max = x
  }
  const sorted = sortFinite(out.subarray(0, n), min, max)
  return { sample: { kind: 'numeric', values: sorted, missing }, violations }
}

/** Slots of the direct-mapped cache in front of a categorical column's map (a power of two). */
const CATEGORY_SLOTS = 256

function categoricalValues(values: readonly unknown[]): { sample: CategoricalSample; violations: number } {
  // The map holds mutable counters, turned into counts at the end. In front of it, a
  // direct-mapped cache of the last string seen per slot (slot from the length and two
  // characters): a hit is one string comparison — usually the same string object, as the payload
  // log and DuckDB repeat them — instead of a map lookup, about twice as fast on a window.
  const counters = new Map<string, { n: number }>()
  const slotKeys = new Array<string | undefined>(CATEGORY_SLOTS).fill(undefined)
  const slotCounters = new Array<{ n: number }>(CATEGORY_SLOTS)
  let missing = 0
  let violations = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v === 'string') {
      const len = v.length
      const slot =
        len === 0
          ? 0
          : (v.charCodeAt(len - 1) * 31 + v.charCodeAt(len >>> 1) * 7 + len) & (CATEGORY_SLOTS - 1)
      if (slotKeys[slot] === v) {
        ;(slotCounters[slot] as { n: number }).n++
        continue
      }
      let counter = counters.get(v)
      if (counter === undefined) {
        counter = { n: 0 }
        counters.set(v, counter)
      }
      counter.n++
      slotKeys[slot] = v
      slotCounters[slot] = counter
    } else if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) missing++
    else if (typeof v === 'object') violations++
    else {
      const key = String(v)
      const counter = counters.get(key)
      if (counter === undefined) counters.set(key, { n: 1 })
      else counter.n++
    }
  }
  const counts = new Map<string, number>()
  for (const [key, counter] of counters) counts.set(key, counter.n)
  return { sample: { kind: 'categorical', counts, missing }, violations }
}

/** The profile of a sorted numeric sample (exact quantiles), binned by `binning` or its own range. */
export function numericProfile(
  sample: NumericSample,
  violations: number,
  binning: Binning | undefined,
  bins: number,
  type = 'DOUBLE',
): NumericProfile {
  const v = sample.values
  const n = v.length
  const base = {
    kind: 'numeric' as const,
    type,
    count: n + sample.missing + violations,
    missing: sample.missing,
    typeViolations: violations,
    valid: n,
  }
  if (n === 0) {
    return {
      ...base,
      min: null,
      max: null,
      mean: null,
      m2: 0,
      quantiles: {},
      quantileSource: 'exact',
      histogram: binning === undefined ? null : histogramOfSorted(v, binning),
      distinct: {},
    }
  }
  let sum = 0
  for (let i = 0; i < n; i++) sum += v[i] as number
  const mean = sum / n
  let m2 = 0
  for (let i = 0; i < n; i++) {
    const d = (v[i] as number) - mean
    m2 += d * d
  }
  const min = v[0] as number
  const max = v[n - 1] as number
  return {
    ...base,
    min,
    max,
    mean,
    m2,
    quantiles: quantilesOfSorted(v),
    quantileSource: 'exact',
    histogram: histogramOfSorted(v, binning ?? binningFor(min, max, bins)),
    distinct: distinctOfSorted(v),
  }
}

function distinctOfSorted(v: Float64Array): Record<string, number> | null {
  const out: Record<string, number> = {}
  let kinds = 0
  let i = 0
  while (i < v.length) {
    const x = v[i] as number
    let j = i + 1
    while (j < v.length && v[j] === x) j++
    if (++kinds > DISTINCT_CAP) return null
    out[String(x)] = j - i
    i = j
  }
  return out
}

/** The profile of a categorical sample, keeping the {@link CATEGORY_CAP} most frequent values. */
export function categoricalProfile(
  sample: CategoricalSample,
  violations: number,
  type: string,
): CategoricalProfile {
  let valid = 0
  for (const c of sample.counts.values()) valid += c
  const { frequencies, other } = capFrequencies(sample.counts)
  return {
    kind: 'categorical',
    type,
    count: valid + sample.missing + violations,
    missing: sample.missing,
    typeViolations: violations,
    valid,
    frequencies,
    other,
  }
}

/** The most frequent {@link CATEGORY_CAP} entries (ties by value), the rest summed into `other`. */
export function capFrequencies(
  counts: Map<string, number>,
  other = 0,
): { frequencies: Record<string, number>; other: number } {
  const entries = [...counts.entries()]
  if (entries.length > CATEGORY_CAP) {
    entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    for (const [, c] of entries.splice(CATEGORY_CAP)) other += c
  }
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  return { frequencies: Object.fromEntries(entries), other }
}
