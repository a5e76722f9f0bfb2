import { StrataError } from '../../core/errors.js'

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * A point in time from the command line: an ISO date/time (`2026-03-01`, `2026-03-01T10:00Z`),
 * epoch milliseconds, or a span back from now (`30m`, `2h`, `7d`).
 */
export function parseTimeOption(option: string, value: string, now: number): number {
  const span = /^(\d+)([smhd])$/.exec(value)
  if (span?.[1] !== undefined && span[2] !== undefined) return now - Number(span[1]) * (UNITS[span[2]] ?? 0)
  if (/^\d{10,}$/.test(value)) return Number(value)
  const t = Date.parse(value)
  if (Number.isNaN(t)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${option} "${value}" is invalid; expected an ISO time (2026-03-01T10:00Z), epoch milliseconds or a span back from now (30m, 2h, 7d)`,
    )
  }
  return t
}
