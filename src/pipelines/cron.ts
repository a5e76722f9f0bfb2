import { StrataError } from '../core/errors.js'

/** A parsed 5-field cron expression (minute hour day-of-month month day-of-week), in UTC. */
export interface CronSchedule {
  readonly expression: string
  /** The latest minute (epoch ms) at or before `at` the schedule fires, within the last `lookbackMinutes`. */
  latestAtOrBefore(at: number, lookbackMinutes?: number): number | undefined
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const

/**
 * Parses a cron expression: five fields of `*`, `n`, `a-b`, `*\/s`, `a-b/s` and lists of those.
 * Times are UTC; day of week 0 and 7 are Sunday; as in cron, when both day fields are
 * restricted a day matching either fires. A bad field fails with `INVALID_ARGUMENT` naming it.
 *
 * @example
 * parseCron('*\/15 6-18 * * 1-5') // every 15 minutes from 06:00 to 18:45 UTC on weekdays
 */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/)
  if (parts.length !== 5) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `cron "${expression}" has ${parts.length} fields; expected 5: minute hour day-of-month month day-of-week, e.g. "0 * * * *"`,
    )
  }
  const sets = parts.map((part, i) => parseField(expression, part, FIELDS[i] as (typeof FIELDS)[number]))
  const [minutes, hours, days, months, weekdays] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ]
  if (weekdays.has(7)) weekdays.add(0)
  const dayRestricted = parts[2] !== '*'
  const weekdayRestricted = parts[4] !== '*'
  const matches = (t: Date) => {
    if (!minutes.has(t.getUTCMinutes()) || !hours.has(t.getUTCHours()) || !months.has(t.getUTCMonth() + 1))
      return false
    const dom = days.has(t.getUTCDate())
    const dow = weekdays.has(t.getUTCDay())
    if (dayRestricted && weekdayRestricted) return dom || dow
    return dom && dow
  }
  return {
    expression,
    latestAtOrBefore(at, lookbackMinutes = 60 * 24 * 8) {
      let minute = Math.floor(at / 60_000) * 60_000
      for (let i = 0; i <= lookbackMinutes; i++, minute -= 60_000) {
        if (matches(new Date(minute))) return minute
      }
      return undefined
    },
  }
}

function parseField(
  expression: string,
  part: string,
  field: { name: string; min: number; max: number },
): Set<number> {
  const bad = () =>
    new StrataError(
      'INVALID_ARGUMENT',
      `cron "${expression}": ${field.name} field "${part}" is invalid; use *, n, a-b, */step or lists of them, with values ${field.min}-${field.max}`,
    )
  const out = new Set<number>()
  for (const item of part.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item)
    if (m === null) throw bad()
    const step = m[4] === undefined ? 1 : Number(m[4])
    let from = field.min
    let to = field.max
    if (m[1] !== '*') {
      from = Number(m[2])
      to = m[3] === undefined ? (m[4] === undefined ? from : field.max) : Number(m[3])
    }
    if (step < 1 || from < field.min || to > field.max || from > to) throw bad()
    for (let v = from; v <= to; v += step) out.add(v)
  }
  return out
}
