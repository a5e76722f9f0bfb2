import { StrataError } from '../../core/errors.js'

const DURATION = /^(\d+)(m|h|d)$/
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** Milliseconds of a duration such as `30m`, `1h`, `7d`; `INVALID_ARGUMENT` naming `what` otherwise. */
export function parseDuration(text: string, what: string): number {
  const m = DURATION.exec(text)
  if (m === null || Number(m[1]) === 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${what} "${text}" is not a duration; use a positive whole number of m, h or d (e.g. 30m, 1h, 1d)`,
      {
        details: { value: text },
      },
    )
  }
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
}
