import { StrataError } from '../../core/errors.js'
import type { TableEngine } from '../../ports/index.js'
import type { ColumnSample } from '../drift/column-sample.js'
import { binningFor, binScale, quantilesFromHistogram } from './histogram.js'
import {
  type Binning,
  type CategoricalProfile,
  type ColumnProfile,
  type DatasetProfile,
  DEFAULT_BINS,
  DISTINCT_CAP,
  type Histogram,
  type NumericProfile,
  PROFILE_QUANTILES,
} from './profile-types.js'
import { capFrequencies } from './profile-values.js'

/** Options for {@link profileTable}. */
export interface ProfileTableOptions {
  /**
   * The columns to profile and their kind; default every column, numeric for SQL number types
   * and categorical otherwise. A numeric column of text type counts unparsable values as type
   * violations.
   */
  columns?: Record<string, 'numeric' | 'categorical'>
  /** Bins of the fine histogram (default 1000) over each column's own range. */
  bins?: number
  /** Per numeric column: fixed bins (a reference's) instead of the column's own range. */
  binnings?: Record<string, Binning>
  /** Also return the exact samples (sorted numeric values, category counts) for the drift tests. */
  samples?: boolean
  /** Recorded on the profile. */
  source?: Record<string, unknown>
}

const NUMERIC_TYPES =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL.*)$/i

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : (v as number)
}

/**
 * Profiles a table with the table engine (DuckDB): one vectorized aggregate pass for counts,
 * missing values, min/max/mean/variance, exact quantiles and approximate distinct counts of
 * every column, one grouped pass per numeric column for its fine histogram, and one per
 * categorical column for its frequencies. `relation` is what follows `FROM` (a table function
 * such as `read_parquet('…')` or a subquery in parentheses).
 *
 * @example
 * const { profile } = await profileTable(engine, "read_parquet('train.parquet')", { samples: true })
 */
export async function profileTable(
  engine: TableEngine,
  relation: string,
  options: ProfileTableOptions = {},
): Promise<{ profile: DatasetProfile; samples: Record<string, ColumnSample> }> {
  const described = await engine.query(`DESCRIBE SELECT * FROM ${relation}`)
  const types = new Map(described.rows.map((r) => [String(r.column_name), String(r.column_type)]))
  const wanted =
    options.columns ??
    Object.fromEntries([...types].map(([n, t]) => [n, NUMERIC_TYPES.test(t) ? 'numeric' : 'categorical']))
  const missing = Object.keys(wanted).filter((n) => !types.has(n))
  if (missing.length > 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} not in the table; its columns are ${[...types.keys()].join(', ')}`,
      {
        details: { missing, columns: [...types.keys()] },
      },
    )
  }
  const numeric = Object.keys(wanted).filter((n) => wanted[n] === 'numeric')
  const categorical = Object.keys(wanted).filter((n) => wanted[n] === 'categorical')
  // x_k: the column as a finite double or NULL; the aggregates below all read x_k.
  const asDouble = (n: string) => `TRY_CAST(${ident(n)} AS DOUBLE)`
  const finite = (n: string) => `CASE WHEN isfinite(${asDouble(n)}) THEN ${asDouble(n)} END`
  const select = ['count(*) AS rows']
  numeric.forEach((n, k) => {
    const native = NUMERIC_TYPES.test(types.get(n) as string)
    select.push(
      `count(x${k}) AS valid${k}`,
      native
        ? `0 AS viol${k}`
        : `count(*) FILTER (WHERE ${ident(n)} IS NOT NULL AND ${asDouble(n)} IS NULL) AS viol${k}`,
      `min(x${k}) AS min${k}`,
      `max(x${k}) AS max${k}`,
      `avg(x${k}) AS mean${k}`,
      `var_pop(x${k}) AS var${k}`,
      `quantile_cont(x${k}, [${PROFILE_QUANTILES.join(', ')}]) AS q${k}`,
      `approx_count_distinct(x${k}) AS nd${k}`,
    )
  })
  categorical.forEach((n, k) => {
    select.push(`count(${ident(n)}) AS cvalid${k}`)
  })
  const inner = ['*', ...numeric.map((n, k) => `${finite(n)} AS x${k}`)].join(', ')
  const summary = (await engine.query(`SELECT ${select.join(', ')} FROM (SELECT ${inner} FROM ${relation})`))
    .rows[0] as Record<string, unknown>
  const rows = num(summary.rows)
  const profile: DatasetProfile = { format: 'strata.profile/v1', rows, columns: {} }
  if (options.source !== undefined) profile.source = options.source
  const samples: Record<string, ColumnSample> = {}
  for (const [k, n] of numeric.entries()) {
    const valid = num(summary[`valid${k}`])
    const violations = num(summary[`viol${k}`])
    const min = valid === 0 ? null : num(summary[`min${k}`])
    const max = valid === 0 ? null : num(summary[`max${k}`])
    const binning =
      options.binnings?.[n] ??
      (min === null || max === null ? undefined : binningFor(min, max, options.bins ?? DEFAULT_BINS))
    const histogram =
      binning === undefined ? null : await histogramQuery(engine, relation, finite(n), binning)
    const q = (summary[`q${k}`] as unknown[] | null) ?? []
    const distinct =
      valid > 0 && num(summary[`nd${k}`]) <= 2 * DISTINCT_CAP
        ? await distinctQuery(engine, relation, finite(n))
        : valid === 0
          ? {}
          : null
    const col: NumericProfile = {
      kind: 'numeric',
      type: types.get(n) as string,
      count: rows,
      missing: rows - valid - violations,
      typeViolations: violations,
      valid,
      min,
      max,
      mean: valid === 0 ? null : num(summary[`mean${k}`]),
      m2: valid === 0 ? 0 : num(summary[`var${k}`]) * valid,
      quantiles: Object.fromEntries(
        PROFILE_QUANTILES.map((p, i) => [String(p), num(q[i])]).filter(() => valid > 0),
      ),
      quantileSource: 'exact',
      histogram,
      distinct,
    }
    profile.columns[n] = col
    if (options.samples === true)
      samples[n] = {
        kind: 'numeric',
        values: await sortedValues(engine, relation, finite(n), valid),
        missing: col.missing,
      }
  }
  for (const [k, n] of categorical.entries()) {
    const valid = num(summary[`cvalid${k}`])
    const counts = await frequencyQuery(engine, relation, n)
    const { frequencies, other } = capFrequencies(counts)
    const col: CategoricalProfile = {
      kind: 'categorical',
      type: types.get(n) as string,
      count: rows,
      missing: rows - valid,
      typeViolations: 0,
      valid,
      frequencies,
      other,
    }
    profile.columns[n] = col
    if (options.samples === true) samples[n] = { kind: 'categorical', counts, missing: col.missing }
  }
  return { profile, samples }
}

/** The fine histogram of one numeric expression: the bin expression mirrors `binOf`. */
async function histogramQuery(
  engine: TableEngine,
  relation: string,
  x: string,
  b: Binning,
): Promise<Histogram> {
  const sql =
    `SELECT CASE WHEN x < $1 THEN -1 WHEN x > $2 THEN $3 ELSE least(floor((x - $1) * $4), $3 - 1) END::BIGINT AS k, count(*) AS n ` +
    `FROM (SELECT ${x} AS x FROM ${relation}) WHERE x IS NOT NULL GROUP BY k`
  const result = await engine.query(sql, [b.lo, b.hi, b.bins, binScale(b)])
  const counts = new Array<number>(b.bins).fill(0)
  let below = 0
  let above = 0
  for (const r of result.rows) {
    const k = num(r.k)
    if (k < 0) below += num(r.n)
    else if (k >= b.bins) above += num(r.n)
    else counts[k] = num(r.n)
  }
  return { ...b, counts, below, above }
}

async function distinctQuery(
  engine: TableEngine,
  relation: string,
  x: string,
): Promise<Record<string, number> | null> {
  const result = await engine.query(
    `SELECT x, count(*) AS n FROM (SELECT ${x} AS x FROM ${relation}) WHERE x IS NOT NULL GROUP BY x ORDER BY x LIMIT ${DISTINCT_CAP + 1}`,
  )
  if (result.rows.length > DISTINCT_CAP) return null
  return Object.fromEntries(result.rows.map((r) => [String(num(r.x)), num(r.n)]))
}

async function frequencyQuery(
  engine: TableEngine,
  relation: string,
  column: string,
): Promise<Map<string, number>> {
  const result = await engine.query(
    `SELECT CAST(${ident(column)} AS VARCHAR) AS v, count(*) AS n FROM ${relation} WHERE ${ident(column)} IS NOT NULL GROUP BY v`,
  )
  return new Map(result.rows.map((r) => [String(r.v), num(r.n)]))
}

/** The column's finite values, sorted by the engine, streamed into one typed array. */
async function sortedValues(
  engine: TableEngine,
  relation: string,
  x: string,
  valid: number,
): Promise<Float64Array> {
  const out = new Float64Array(valid)
  let n = 0
  for await (const batch of engine.streamColumns(
    `SELECT x FROM (SELECT ${x} AS x FROM ${relation}) WHERE x IS NOT NULL ORDER BY x`,
  )) {
    const values = batch.values[0] as unknown[]
    for (let i = 0; i < values.length; i++) out[n++] = num(values[i])
  }
  return out.subarray(0, n)
}

/** Quantiles of a profile as read from its histogram (what a merged profile reports). */
export function histogramQuantiles(col: ColumnProfile): Record<string, number> {
  if (col.kind !== 'numeric' || col.histogram === null || col.min === null || col.max === null) return {}
  return quantilesFromHistogram(col.histogram, col.min, col.max)
}
