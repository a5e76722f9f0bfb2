#!/usr/bin/env node
// Writes the flights example's raw data into a directory, ready for `strata data commit`:
//   flights.parquet   every departure of flights-3m (vega-datasets): date, delay, distance, origin, destination
//   labels-q1.parquet the entity rows of the training set: each departure of January–March with
//                     its label `delayed` (departure delay > 15 minutes) and `dep_hour`
// Usage: node examples/flights/prepare.mjs <dir> [--rows N] [--before DATE]
//   --rows N       keep only the first N departures
//   --before DATE  keep only departures before DATE (e.g. 2001-04-01: months 1–3)
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'

const args = process.argv.slice(2)
const dir = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'))
const rowsAt = args.indexOf('--rows')
const limit = rowsAt >= 0 ? Number(args[rowsAt + 1]) : undefined
const beforeAt = args.indexOf('--before')
const before = beforeAt >= 0 ? args[beforeAt + 1] : undefined
if (
  dir === undefined ||
  (limit !== undefined && !Number.isInteger(limit)) ||
  (before !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(before))
) {
  console.error('usage: node examples/flights/prepare.mjs <dir> [--rows N] [--before YYYY-MM-DD]')
  process.exit(2)
}
// The package exports only its JS entry (build/index.js); the data files sit beside build/.
const require = createRequire(import.meta.url)
const source = resolve(require.resolve('vega-datasets'), '..', '..', 'data', 'flights-3m.parquet')
const out = resolve(dir)
mkdirSync(out, { recursive: true })
const lit = (s) => `'${s.replaceAll("'", "''")}'`

const db = await DuckDBInstance.create(':memory:')
const c = await db.connect()
const where = before ? ` where date < timestamp ${lit(before)}` : ''
const raw = `(select * from read_parquet(${lit(source)})${where} order by date, origin, destination${limit ? ` limit ${limit}` : ''})`
await c.run(`copy ${raw} to ${lit(`${out}/flights.parquet`)} (format parquet, compression zstd)`)
await c.run(`copy (
  select origin, destination, date as event_timestamp, hour(date)::int as dep_hour, delay > 15 as delayed
  from read_parquet(${lit(`${out}/flights.parquet`)})
  where date < timestamp '2001-04-01' and delay is not null
  order by date, origin, destination
) to ${lit(`${out}/labels-q1.parquet`)} (format parquet, compression zstd)`)
const counts = await c.runAndReadAll(
  `select (select count(*) from read_parquet(${lit(`${out}/flights.parquet`)})) as flights, (select count(*) from read_parquet(${lit(`${out}/labels-q1.parquet`)})) as labels`,
)
const [row] = counts.getRowObjectsJson()
console.log(
  `wrote ${out}/flights.parquet (${row.flights} departures) and labels-q1.parquet (${row.labels} labelled rows)`,
)
c.closeSync()
db.closeSync()
