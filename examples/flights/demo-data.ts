/**
 * The demo's raw data, month by month: for a cut date, every departure of flights-3m
 * (vega-datasets, January–June 2001) before it, and the labelled departures of the 91 days
 * before it (the training window's entity rows: `delayed` = departure delay > 15 minutes).
 */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'

const require = createRequire(import.meta.url)
/** The package exports only its JS entry; the data files sit beside `build/`. */
export const FLIGHTS_3M = resolve(require.resolve('vega-datasets'), '..', '..', 'data', 'flights-3m.parquet')
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`

/** The files of one cut, ready for `data.commit` as `flights.parquet` and `labels.parquet`. */
export interface MonthFiles {
  flights: string
  labels: string
  departures: number
  labelled: number
}

/** Writes `flights-<cut>.parquet` and `labels-<cut>.parquet` into `dir` for a cut such as `2001-04-01`. */
export async function writeCut(dir: string, cut: string): Promise<MonthFiles> {
  mkdirSync(dir, { recursive: true })
  const flights = join(dir, `flights-${cut}.parquet`)
  const labels = join(dir, `labels-${cut}.parquet`)
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  try {
    await c.run(`copy (select * from read_parquet(${lit(FLIGHTS_3M)}) where date < timestamp ${lit(cut)}
      order by date, origin, destination) to ${lit(flights)} (format parquet, compression zstd)`)
    await c.run(`copy (
      select origin, destination, date as event_timestamp, hour(date)::int as dep_hour, delay > 15 as delayed
      from read_parquet(${lit(flights)})
      where date >= timestamp ${lit(cut)} - interval 91 days and delay is not null
      order by date, origin, destination
    ) to ${lit(labels)} (format parquet, compression zstd)`)
    const counts = await c.runAndReadAll(
      `select (select count(*) from read_parquet(${lit(flights)}))::int, (select count(*) from read_parquet(${lit(labels)}))::int`,
    )
    const [row] = counts.getRows() as number[][]
    return { flights, labels, departures: row?.[0] ?? 0, labelled: row?.[1] ?? 0 }
  } finally {
    c.closeSync()
    db.closeSync()
  }
}
