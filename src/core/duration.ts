import { StrataError } from './errors.js'

const UNIT_MS = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const

/** A unit of a {@link Duration} string. */
export type DurationUnit = keyof typeof UNIT_MS

/** Every {@link DurationUnit}, shortest first. */
const DURATION_UNITS: readonly DurationUnit[] = ['ms', 's', 'm', 'h', 'd', 'w']

/** A duration: milliseconds, or a string such as `'90s'`, `'15m'`, `'24h'`, `'7d'`, `'2w'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd' | 'w'}`

const EXAMPLE: Record<DurationUnit, string> = { ms: '500ms', s: '30s', m: '15m', h: '24h', d: '7d', w: '2w' }

/**
 * Milliseconds of a duration — Strata's one duration syntax, for feature TTLs, monitor windows,
 * retrain cooldowns and delivery intervals alike: a positive number with one of `units`
 * (`'500ms'`, `'90s'`, `'15m'`, `'1.5h'`, `'7d'`, `'2w'`), or a positive number of milliseconds.
 * The result must be a whole number of milliseconds. Anything else is `INVALID_ARGUMENT` naming
 * `what`, the value and the units that would be valid.
 */
export function parseDuration(
  what: string,
  value: unknown,
  units: readonly DurationUnit[] = DURATION_UNITS,
): number {
  let ms: number | undefined
  if (typeof value === 'number') ms = value
  else if (typeof value === 'string') {
    const m = /^(\d+(?:\.\d+)?)([a-z]+)$/.exec(value.trim())
    const unit = m?.[2] as DurationUnit | undefined
    if (m !== null && unit !== undefined && units.includes(unit)) ms = Number(m[1]) * UNIT_MS[unit]
  }
  if (ms === undefined || !Number.isSafeInteger(ms) || ms <= 0) {
    const examples = units.map((u) => `"${EXAMPLE[u]}"`)
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${what} ${JSON.stringify(value) ?? 'undefined'} is not a duration; use a positive whole number of milliseconds ` +
        `or a number with a unit, such as ${examples.length > 1 ? `${examples.slice(0, -1).join(', ')} or ` : ''}${examples.at(-1)}`,
      { details: { value: typeof value === 'string' || typeof value === 'number' ? value : String(value) } },
    )
  }
  return ms
}

/** The shortest exact duration string for `ms` (e.g. `86400000` → `'1d'`). */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`
  }
  return `${ms}ms`
}
