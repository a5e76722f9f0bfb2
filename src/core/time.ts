/**
 * Strata's one time-zone rule: a timestamp without an offset is UTC, everywhere (SDK rows, CLI
 * options, CSV, Parquet, JSON, HTTP). A timestamp with an offset (`Z`, `+05:30`, `-0400`) is
 * honoured. The machine's time zone (`TZ`) never changes a result.
 */

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/

/**
 * Epoch milliseconds of an ISO-8601 date or date-time, reading one without an offset as UTC
 * (unlike `Date.parse`, which reads a naive date-time in the machine's time zone). Accepts a
 * `T` or a space between date and time, seconds and fractions optional (fractions beyond
 * milliseconds are truncated), and `Z`, `±hh`, `±hhmm` or `±hh:mm` offsets. Anything else —
 * including out-of-range fields such as `2001-02-30` — gives `undefined`.
 */
export function parseTimestamp(text: string): number | undefined {
  const m = ISO.exec(text.trim())
  if (m === null) return undefined
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', offset] = m
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h)
  const minute = Number(mi)
  const second = Number(s)
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined
  const ms = Number(frac.padEnd(3, '0').slice(0, 3))
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms)
  // Date.UTC rolls 30 February over into March; refuse that rather than move the date.
  const check = new Date(utc)
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined
  }
  return utc - offsetMinutes(offset) * 60_000
}

function offsetMinutes(offset: string | undefined): number {
  if (offset === undefined || offset === 'Z' || offset === 'z') return 0
  const sign = offset.startsWith('-') ? -1 : 1
  const digits = offset.slice(1).replace(':', '')
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'))
}

/**
 * Epoch milliseconds of a time given as text on a command line or in a request: an ISO-8601
 * date or date-time ({@link parseTimestamp}: naive means UTC) or an integer of epoch ms.
 */
export function parseTimeOption(text: string): number | undefined {
  if (/^-?\d+$/.test(text.trim())) return Number(text.trim())
  return parseTimestamp(text)
}

/** Epoch ms of a `Date`, an ISO-8601 string (naive = UTC) or epoch ms; `undefined` when invalid. */
export function toEpochMs(value: unknown): number | undefined {
  if (value instanceof Date) {
    const ms = value.getTime()
    return Number.isFinite(ms) ? ms : undefined
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'string') return parseTimestamp(value)
  return undefined
}
