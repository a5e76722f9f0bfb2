/**
 * What a drift test sees of one column on one side: the exact values, never a coarse summary.
 * A numeric column is its non-null, finite values sorted ascending (`±∞` and NaN count as
 * missing, as Evidently drops them); a categorical column is its value counts.
 */
export type ColumnSample = NumericSample | CategoricalSample

/** A numeric column: sorted finite values, plus how many were missing. */
export interface NumericSample {
  kind: 'numeric'
  /** Non-null, finite values, ascending. */
  values: Float64Array
  /** Nulls, NaN and ±∞ dropped before testing. */
  missing: number
}

/** A categorical column: value → count (keys are the values as strings), plus how many were missing. */
export interface CategoricalSample {
  kind: 'categorical'
  counts: Map<string, number>
  missing: number
}

/** Non-missing values in a sample. */
export function sampleSize(sample: ColumnSample): number {
  if (sample.kind === 'numeric') return sample.values.length
  let n = 0
  for (const c of sample.counts.values()) n += c
  return n
}

/**
 * A numeric sample from any numbers (unsorted, with nulls/NaN/∞ counted as missing): copies and
 * sorts with the typed-array sort (numeric, no comparator callback).
 */
export function numericSample(values: ArrayLike<number | null | undefined>): NumericSample {
  const out = new Float64Array(values.length)
  let n = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v === 'number' && Number.isFinite(v)) out[n++] = v
  }
  const sorted = out.subarray(0, n).sort()
  return { kind: 'numeric', values: sorted, missing: values.length - n }
}

/** A categorical sample from any values: null/undefined are missing, others are counted by `String(value)`. */
export function categoricalSample(values: Iterable<unknown>): CategoricalSample {
  const counts = new Map<string, number>()
  let missing = 0
  for (const v of values) {
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
      missing++
      continue
    }
    const key = String(v)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return { kind: 'categorical', counts, missing }
}
