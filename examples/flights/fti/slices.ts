/**
 * Reads a saved training set (a Parquet file of the `training-sets` dataset) into dense
 * time slices for the trees: features as float64 (null → NaN, the trees' missing value) and
 * the 0/1 label, selected by departure time in SQL (DuckDB) rather than row by row.
 */
import { DuckDBInstance } from '@duckdb/node-api'
import type { DenseMatrix } from 'strata-ml/training'

/** One time slice: features and labels of the departures in `[from, to)`. */
export interface Slice {
  name: string
  x: DenseMatrix
  y: Float64Array
}

/** The model's inputs: the `delay_model` service's features and the departure hour. */
export const MODEL_INPUTS = [
  'late_share_1h',
  'departures_1h',
  'late_share_24h',
  'departures_24h',
  'late_share_7d',
  'departures_7d',
  'route_late_share_24h',
  'route_late_share_7d',
  'route_departures_7d',
  'congestion',
  'dep_hour',
] as const

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`

/**
 * The rows of `file` whose `event_timestamp` is in `[from, to)` (epoch ms); with `every` > 1
 * only every n-th row (by a hash of the departure, so the same rows on every run).
 */
export async function readSlice(
  file: string,
  name: string,
  range: { from: number; to: number; every?: number },
): Promise<Slice> {
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  try {
    const cols = MODEL_INPUTS.map((f) => `coalesce(${f}::double, 'NaN'::double)`).join(', ')
    const every = range.every ?? 1
    const sample = every > 1 ? ` and hash(origin, destination, event_timestamp) % ${every} = 0` : ''
    const reader = await c.runAndReadAll(
      `select ${cols}, (case when delayed then 1 else 0 end)::double
       from read_parquet(${lit(file)})
       where event_timestamp >= epoch_ms(${range.from})
         and event_timestamp < epoch_ms(${range.to})${sample}
       order by event_timestamp, origin, destination`,
    )
    const columns = reader.getColumns() as (number | null)[][]
    const rows = reader.currentRowCount
    const k = MODEL_INPUTS.length
    const data = new Float64Array(rows * k)
    for (let j = 0; j < k; j++) {
      const column = columns[j] as (number | null)[]
      for (let i = 0; i < rows; i++) data[i * k + j] = column[i] ?? Number.NaN
    }
    const y = Float64Array.from(columns[k] as number[])
    return { name, x: { rows, cols: k, data }, y }
  } finally {
    c.closeSync()
    db.closeSync()
  }
}

/** Share of positive labels (the base rate a model has to beat). */
export function positiveRate(y: Float64Array): number {
  let n = 0
  for (const v of y) n += v
  return y.length === 0 ? 0 : n / y.length
}
