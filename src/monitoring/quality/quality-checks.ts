import { StrataError } from '../../core/errors.js'
import type { ColumnProfile, DatasetProfile } from '../profile/profile-types.js'

/** The data-quality checks, each measured as a share of a window column's rows. */
export const QUALITY_CHECKS = ['missing', 'out_of_range', 'new_categories', 'type_violations'] as const

/** One of {@link QUALITY_CHECKS}. */
export type QualityCheckName = (typeof QUALITY_CHECKS)[number]

/**
 * Thresholds (largest share that passes) per check. Defaults: missing 0.1 (or the reference's
 * own missing share + 0.05, whichever is larger), out of range 0.05, new categories 0.01, type
 * violations 0.
 */
export type QualityThresholds = Partial<Record<QualityCheckName, number>>

/** Options for {@link checkQuality}. */
export interface QualityOptions {
  /** Thresholds for every column. */
  thresholds?: QualityThresholds
  /** Per column thresholds (win over `thresholds`). */
  columns?: Record<string, QualityThresholds>
}

/** The outcome of one check on one column. */
export interface QualityResult {
  column: string
  check: QualityCheckName
  /** The measured share (0 when the window has no rows for the column). */
  value: number
  /** Rows counted (missing values, values out of range, …). */
  rows: number
  threshold: number
  passed: boolean
  /** Values behind a failure (new categories), when there are any. */
  examples?: string[]
}

const DEFAULTS: Record<QualityCheckName, number> = {
  missing: 0.1,
  out_of_range: 0.05,
  new_categories: 0.01,
  type_violations: 0,
}

function checkThresholds(where: string, t: QualityThresholds | undefined): void {
  for (const [name, value] of Object.entries(t ?? {})) {
    if (!(QUALITY_CHECKS as readonly string[]).includes(name)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `quality check "${name}" (${where}) is unknown; use one of ${QUALITY_CHECKS.join(', ')}`,
        { details: { check: name } },
      )
    }
    if (!(typeof value === 'number' && value >= 0 && value <= 1)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `quality threshold ${String(value)} for "${name}" (${where}) must be a share between 0 and 1`,
        { details: { check: name, threshold: value } },
      )
    }
  }
}

/**
 * Data-quality checks of a window profile against its reference, per column: the share of
 * missing values, of numeric values outside the reference's [min, max], of categorical values
 * the reference never had, and of values of the wrong type. Runs on profiles alone, so it
 * works on merged windows too. A column the window lacks is all missing.
 *
 * @example
 * const results = checkQuality(reference.profile, window.profile, { thresholds: { missing: 0.2 } })
 */
export function checkQuality(
  reference: DatasetProfile,
  window: DatasetProfile,
  options: QualityOptions = {},
): QualityResult[] {
  checkThresholds('all columns', options.thresholds)
  for (const [column, t] of Object.entries(options.columns ?? {})) {
    if (!Object.hasOwn(reference.columns, column)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `quality thresholds for column "${column}", which the reference does not have; its columns are ${Object.keys(reference.columns).join(', ')}`,
        {
          details: { column },
        },
      )
    }
    checkThresholds(`column "${column}"`, t)
  }
  const out: QualityResult[] = []
  for (const [column, ref] of Object.entries(reference.columns)) {
    const cur = window.columns[column]
    const threshold = (check: QualityCheckName) => {
      const explicit = options.columns?.[column]?.[check] ?? options.thresholds?.[check]
      if (explicit !== undefined) return explicit
      if (check === 'missing')
        return Math.max(DEFAULTS.missing, (ref.count === 0 ? 0 : ref.missing / ref.count) + 0.05)
      return DEFAULTS[check]
    }
    const push = (check: QualityCheckName, rows: number, total: number, examples?: string[]) => {
      const value = total === 0 ? 0 : rows / total
      const t = threshold(check)
      out.push({
        column,
        check,
        value,
        rows,
        threshold: t,
        passed: value <= t,
        ...(examples === undefined || examples.length === 0 ? {} : { examples }),
      })
    }
    if (cur === undefined) {
      push('missing', window.rows, window.rows)
      continue
    }
    push('missing', cur.missing, cur.count)
    push('type_violations', cur.typeViolations, cur.count)
    if (ref.kind === 'numeric' && cur.kind === 'numeric')
      push('out_of_range', outOfRange(ref, cur), cur.valid)
    if (ref.kind === 'categorical' && cur.kind === 'categorical') {
      const unseen = Object.keys(cur.frequencies).filter(
        (k) => !Object.hasOwn(ref.frequencies, k) && ref.other === 0,
      )
      push(
        'new_categories',
        unseen.reduce((n, k) => n + (cur.frequencies[k] as number), 0),
        cur.valid,
        unseen.sort().slice(0, 10),
      )
    }
  }
  return out
}

/** Values of `cur` outside the reference's [min, max]: exact from the histogram when both share the reference's bins. */
function outOfRange(
  ref: ColumnProfile & { kind: 'numeric' },
  cur: ColumnProfile & { kind: 'numeric' },
): number {
  const { min, max } = ref
  if (min === null || max === null || cur.valid === 0) return 0
  const h = cur.histogram
  if (h !== null && h.lo === min && h.hi === max) return h.below + h.above
  // Other bins: count whole bins lying outside the range (a lower bound), plus the overflow counters.
  if (h === null) return 0
  const width = (h.hi - h.lo) / h.bins
  let n = 0
  h.counts.forEach((c, k) => {
    const lo = h.lo + k * width
    if (lo + width < min || lo > max) n += c
  })
  return n + (h.lo <= min ? h.below : 0) + (h.hi >= max ? h.above : 0)
}
