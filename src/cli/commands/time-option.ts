import { StrataError } from '../../core/errors.js'
import { parseTimeOption as parseTimeText } from '../../core/time.js'

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * A point in time from the command line — every command's one way to read a time option: an
 * ISO date/time (`2026-03-01`, `2026-03-01T10:00Z`; without an offset it is UTC, as everywhere
 * in Strata, see `core/time.ts`), epoch milliseconds (an integer), or a span back from now
 * (`30s`, `30m`, `2h`, `7d`). Anything else fails with `INVALID_ARGUMENT` naming the option,
 * the value and the accepted forms.
 */
export function parseTimeOption(option: string, value: string, now: number): number {
  const span = /^(\d+)([smhd])$/.exec(value)
  if (span?.[1] !== undefined && span[2] !== undefined) return now - Number(span[1]) * (UNITS[span[2]] ?? 0)
  const t = parseTimeText(value)
  if (t === undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${option} "${value}" is invalid; expected an ISO time (2026-03-01T10:00Z; without an offset it is UTC), epoch milliseconds or a span back from now (30m, 2h, 7d)`,
      { details: { option, value } },
    )
  }
  return t
}
