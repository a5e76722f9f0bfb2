/**
 * The departures the demo replays as traffic: April–June 2001, one hour of each simulated day
 * (the hour moves through 07:00–21:00 from day to day, so a week covers the day's range), one
 * departure in `every` of that hour (by a hash: the same ones on every run), with the truth
 * that arrives later as the delayed label.
 */
import { DuckDBInstance } from '@duckdb/node-api'
import { FLIGHTS_3M } from './demo-data.js'

/** One replayed departure. */
export interface Departure {
  origin: string
  destination: string
  dep_hour: number
  /** Departure time, epoch ms. */
  at: number
  /** The delayed label (departure delay > 15 minutes); null when the delay is unknown. */
  delayed: boolean | null
}

const DAY = 86_400_000

/** The slot hour of simulated day `index` (0 = the first day replayed). */
export const slotHour = (index: number) => 7 + (index % 15)

/** The sampled departures of each day's slot hour in `[from, to)`, grouped by day index. */
export async function replayDepartures(from: string, to: string, every: number): Promise<Departure[][]> {
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  try {
    const reader = await c.runAndReadAll(`
      select origin, destination, hour(date)::int as dep_hour, epoch_ms(date)::double as at,
             case when delay is null then null else delay > 15 end as delayed,
             datediff('day', timestamp '${from}', date)::int as day
      from read_parquet('${FLIGHTS_3M.replaceAll("'", "''")}')
      where date >= timestamp '${from}' and date < timestamp '${to}'
        and hour(date) = 7 + datediff('day', timestamp '${from}', date) % 15
        and hash(origin, destination, date) % ${every} = 0
      order by date, origin, destination`)
    const days: Departure[][] = Array.from(
      { length: Math.round((Date.parse(to) - Date.parse(from)) / DAY) },
      () => [],
    )
    for (const r of reader.getRowObjectsJS()) {
      days[Number(r.day)]?.push({
        origin: String(r.origin),
        destination: String(r.destination),
        dep_hour: Number(r.dep_hour),
        at: Number(r.at),
        delayed: r.delayed === null ? null : Boolean(r.delayed),
      })
    }
    return days
  } finally {
    c.closeSync()
    db.closeSync()
  }
}
