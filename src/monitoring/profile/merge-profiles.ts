import { StrataError } from '../../core/errors.js'
import { quantilesFromHistogram, sameBinning } from './histogram.js'
import {
  type CategoricalProfile,
  type ColumnProfile,
  type DatasetProfile,
  DISTINCT_CAP,
  type Histogram,
  type NumericProfile,
} from './profile-types.js'
import { capFrequencies } from './profile-values.js'

/**
 * Merges window profiles into the profile of their union without the rows: counts add,
 * min/max combine, mean and m2 combine by Chan's parallel formula, histograms over the same
 * bins add, frequencies add; quantiles are then read from the merged histogram. Profiles whose
 * histograms use different bins cannot merge (profile windows against one reference's bins).
 *
 * @example
 * const day = mergeProfiles(hours) // 24 hourly window profiles → the day's profile
 */
export function mergeProfiles(profiles: readonly DatasetProfile[]): DatasetProfile {
  if (profiles.length === 0)
    throw new StrataError('INVALID_ARGUMENT', 'mergeProfiles needs at least one profile')
  const columns: Record<string, ColumnProfile> = {}
  let rows = 0
  for (const p of profiles) {
    rows += p.rows
    for (const [name, col] of Object.entries(p.columns)) {
      const prev = columns[name]
      columns[name] = prev === undefined ? col : mergeColumn(name, prev, col)
    }
  }
  for (const col of Object.values(columns)) {
    if (
      col.kind === 'numeric' &&
      profiles.length > 1 &&
      col.histogram !== null &&
      col.min !== null &&
      col.max !== null
    ) {
      col.quantiles = quantilesFromHistogram(col.histogram, col.min, col.max)
      col.quantileSource = 'histogram'
    }
  }
  return { format: 'strata.profile/v1', rows, columns }
}

function mergeColumn(name: string, a: ColumnProfile, b: ColumnProfile): ColumnProfile {
  if (a.kind !== b.kind) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `column "${name}" is ${a.kind} in one profile and ${b.kind} in another; profiles merge only column by column of the same kind`,
      {
        details: { column: name },
      },
    )
  }
  return a.kind === 'numeric'
    ? mergeNumeric(name, a, b as NumericProfile)
    : mergeCategorical(a, b as CategoricalProfile)
}

function mergeNumeric(name: string, a: NumericProfile, b: NumericProfile): NumericProfile {
  const valid = a.valid + b.valid
  let mean: number | null = null
  let m2 = 0
  if (a.valid === 0) ({ mean, m2 } = b)
  else if (b.valid === 0) ({ mean, m2 } = a)
  else {
    const delta = (b.mean as number) - (a.mean as number)
    mean = (a.mean as number) + (delta * b.valid) / valid
    m2 = a.m2 + b.m2 + (delta * delta * a.valid * b.valid) / valid
  }
  return {
    kind: 'numeric',
    type: a.type,
    count: a.count + b.count,
    missing: a.missing + b.missing,
    typeViolations: a.typeViolations + b.typeViolations,
    valid,
    min: minOf(a.min, b.min, Math.min),
    max: minOf(a.max, b.max, Math.max),
    mean,
    m2,
    quantiles: a.quantiles,
    quantileSource: 'histogram',
    histogram: mergeHistograms(name, a.histogram, b.histogram),
    distinct: mergeDistinct(a.distinct, b.distinct),
  }
}

function minOf(a: number | null, b: number | null, pick: (x: number, y: number) => number): number | null {
  if (a === null) return b
  if (b === null) return a
  return pick(a, b)
}

function mergeHistograms(name: string, a: Histogram | null, b: Histogram | null): Histogram | null {
  if (a === null) return b
  if (b === null) return a
  if (!sameBinning(a, b)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `column "${name}" has histograms over different bins ([${a.lo}, ${a.hi}] × ${a.bins} and [${b.lo}, ${b.hi}] × ${b.bins}); profile windows against the same reference's bins to merge them`,
      { details: { column: name } },
    )
  }
  return {
    ...a,
    counts: a.counts.map((c, k) => c + (b.counts[k] as number)),
    below: a.below + b.below,
    above: a.above + b.above,
  }
}

function mergeDistinct(
  a: Record<string, number> | null,
  b: Record<string, number> | null,
): Record<string, number> | null {
  if (a === null || b === null) return null
  const out: Record<string, number> = { ...a }
  for (const [k, c] of Object.entries(b)) out[k] = (out[k] ?? 0) + c
  return Object.keys(out).length > DISTINCT_CAP ? null : out
}

function mergeCategorical(a: CategoricalProfile, b: CategoricalProfile): CategoricalProfile {
  const counts = new Map(Object.entries(a.frequencies))
  for (const [k, c] of Object.entries(b.frequencies)) counts.set(k, (counts.get(k) ?? 0) + c)
  const { frequencies, other } = capFrequencies(counts, a.other + b.other)
  return {
    kind: 'categorical',
    type: a.type,
    count: a.count + b.count,
    missing: a.missing + b.missing,
    typeViolations: a.typeViolations + b.typeViolations,
    valid: a.valid + b.valid,
    frequencies,
    other,
  }
}
