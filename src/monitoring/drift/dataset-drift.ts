import { StrataError } from '../../core/errors.js'
import { type ColumnSample, sampleSize } from './column-sample.js'
import {
  defaultStatTest,
  isStatTestName,
  type ScoreKind,
  STAT_TEST_NAMES,
  STAT_TESTS,
  type StatTestName,
} from './stat-tests.js'

/** A per-column choice of test and/or threshold (defaults: Evidently's selection and thresholds). */
export interface ColumnTestOption {
  test?: StatTestName
  threshold?: number
}

/** Options for {@link computeDrift}. */
export interface DriftOptions {
  /** Per column: the test and threshold to use instead of the default. */
  columns?: Record<string, ColumnTestOption>
  /** Every column: this test (a per-column option still wins). */
  test?: StatTestName
  /** Share of tested columns that must drift for dataset drift (default 0.5, Evidently's `drift_share`). */
  driftShare?: number
}

/**
 * Why a column was not tested: a signal in the result, never an exception. `empty-reference`
 * and `empty-current` mean no non-missing value on that side (Evidently raises on these).
 */
export type ColumnDriftStatus = 'tested' | 'empty-reference' | 'empty-current' | 'kind-mismatch'

/** The drift verdict of one column. */
export interface ColumnDrift {
  column: string
  kind: ColumnSample['kind']
  status: ColumnDriftStatus
  /** The test run, or that would have run. */
  test: StatTestName
  /** Whether the test was chosen by Evidently's default selection. */
  defaultTest: boolean
  scoreKind: ScoreKind
  threshold: number
  /** p-value or distance; `null` when the column was not tested. */
  score: number | null
  drifted: boolean
  referenceSize: number
  currentSize: number
  /** Missing values (null, NaN, ±∞) on each side: not tested, reported. */
  referenceMissing: number
  currentMissing: number
  /** Categorical values seen in the current side that the reference never had. */
  newCategories: string[]
}

/** The drift verdict of a whole dataset. */
export interface DatasetDrift {
  columns: ColumnDrift[]
  /** Columns tested (those with values on both sides). */
  tested: number
  drifted: number
  /** drifted / tested (0 when nothing was tested). */
  share: number
  driftShare: number
  /** share ≥ driftShare (and at least one column tested). */
  datasetDrift: boolean
}

function checkOption(column: string, option: ColumnTestOption | undefined): void {
  if (option?.test !== undefined && !isStatTestName(option.test)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `drift test "${String(option.test)}" for column "${column}" is unknown; use one of ${STAT_TEST_NAMES.join(', ')}`,
      { details: { column, test: option.test, valid: STAT_TEST_NAMES } },
    )
  }
  const t = option?.threshold
  if (t !== undefined && !(typeof t === 'number' && Number.isFinite(t) && t >= 0)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `drift threshold ${String(t)} for column "${column}" must be a finite number ≥ 0`,
      {
        details: { column, threshold: t },
      },
    )
  }
}

/** Drift of one column, with Evidently's default test unless `option` names one. */
export function columnDrift(
  column: string,
  reference: ColumnSample,
  current: ColumnSample,
  option: ColumnTestOption = {},
): ColumnDrift {
  checkOption(column, option)
  const referenceSize = sampleSize(reference)
  const currentSize = sampleSize(current)
  const newCategories =
    reference.kind === 'categorical' && current.kind === 'categorical'
      ? [...current.counts.keys()].filter((k) => !reference.counts.has(k)).sort()
      : []
  const base = {
    column,
    kind: reference.kind,
    referenceSize,
    currentSize,
    referenceMissing: reference.missing,
    currentMissing: current.missing,
    newCategories,
  }
  const status: ColumnDriftStatus =
    reference.kind !== current.kind
      ? 'kind-mismatch'
      : referenceSize === 0
        ? 'empty-reference'
        : currentSize === 0
          ? 'empty-current'
          : 'tested'
  const name =
    option.test ??
    (status === 'tested'
      ? defaultStatTest(reference, current)
      : reference.kind === 'numeric'
        ? 'wasserstein'
        : 'jensenshannon')
  const test = STAT_TESTS[name]
  const threshold = option.threshold ?? test.defaultThreshold
  const common = {
    ...base,
    test: name,
    defaultTest: option.test === undefined,
    scoreKind: test.scoreKind,
    threshold,
  }
  if (status !== 'tested') return { ...common, status, score: null, drifted: false }
  if (option.test !== undefined && !test.kinds.includes(reference.kind)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `drift test "${name}" does not apply to ${reference.kind} column "${column}"; for ${reference.kind} columns use one of ${STAT_TEST_NAMES.filter((n) => STAT_TESTS[n].kinds.includes(reference.kind)).join(', ')}`,
      { details: { column, test: name, kind: reference.kind } },
    )
  }
  const score = test.score(reference, current)
  return { ...common, status, score, drifted: test.drifted(score, threshold) }
}

/**
 * Drift of every column of `reference` against `current`, and the dataset verdict: drift when
 * the share of drifted columns among those tested reaches `driftShare` (default 0.5). A column
 * missing from `current` is reported as `empty-current`.
 *
 * @example
 * const report = computeDrift(
 *   { fare: numericSample(refFares) },
 *   { fare: numericSample(windowFares) },
 *   { columns: { fare: { test: 'psi', threshold: 0.2 } } },
 * )
 */
export function computeDrift(
  reference: Record<string, ColumnSample>,
  current: Record<string, ColumnSample>,
  options: DriftOptions = {},
): DatasetDrift {
  const driftShare = options.driftShare ?? 0.5
  if (!(driftShare > 0 && driftShare <= 1)) {
    throw new StrataError('INVALID_ARGUMENT', `driftShare ${driftShare} must be in (0, 1]`, {
      details: { driftShare },
    })
  }
  for (const name of Object.keys(options.columns ?? {})) {
    if (!Object.hasOwn(reference, name)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `drift option for column "${name}", which the reference does not have; its columns are ${Object.keys(reference).join(', ')}`,
        { details: { column: name, columns: Object.keys(reference) } },
      )
    }
  }
  const columns: ColumnDrift[] = []
  for (const [name, ref] of Object.entries(reference)) {
    const cur =
      current[name] ??
      (ref.kind === 'numeric'
        ? { kind: 'numeric' as const, values: new Float64Array(0), missing: 0 }
        : { kind: 'categorical' as const, counts: new Map(), missing: 0 })
    const explicit = options.columns?.[name]
    const option: ColumnTestOption = {
      ...(options.test === undefined ? {} : { test: options.test }),
      ...explicit,
    }
    columns.push(columnDrift(name, ref, cur, option))
  }
  const tested = columns.filter((c) => c.status === 'tested').length
  const drifted = columns.filter((c) => c.drifted).length
  const share = tested === 0 ? 0 : drifted / tested
  return { columns, tested, drifted, share, driftShare, datasetDrift: tested > 0 && share >= driftShare }
}
