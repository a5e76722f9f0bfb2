import { StrataError } from '../../core/errors.js'

/** The value types a feature (or a join key, or a request input) can declare. */
export const FEATURE_TYPES = ['int', 'float', 'string', 'bool', 'timestamp'] as const

/** One of {@link FEATURE_TYPES}: `int` is a 64-bit integer that must fit a JS number exactly. */
export type FeatureType = (typeof FEATURE_TYPES)[number]

/** Types a join key may have. */
export type JoinKeyType = 'string' | 'int'

/** The TypeScript type of a value of feature type `T`. */
export type FeatureValue<T extends FeatureType> = T extends 'int' | 'float'
  ? number
  : T extends 'string'
    ? string
    : T extends 'bool'
      ? boolean
      : T extends 'timestamp'
        ? Date
        : never

/** Feature name → declared type. */
export type FeatureSchema = Record<string, FeatureType>

/** The values of a schema as read back: every feature may be missing (`null`). */
export type FeatureValues<S extends FeatureSchema> = { -readonly [K in keyof S]: FeatureValue<S[K]> | null }

/** The DuckDB column type each feature type is stored as. */
export const DUCKDB_TYPES: Record<FeatureType, string> = {
  int: 'BIGINT',
  float: 'DOUBLE',
  string: 'VARCHAR',
  bool: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
}

/** True when `value` is one of {@link FEATURE_TYPES}. */
export function isFeatureType(value: unknown): value is FeatureType {
  return typeof value === 'string' && (FEATURE_TYPES as readonly string[]).includes(value)
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Checks a definition name (entity, view, feature, service): letters, digits and `_`, not
 * starting with a digit, so it is a valid unquoted identifier in DuckDB and Postgres and safe
 * in `view:feature` references.
 */
export function assertName(what: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name) || name.length > 63 || name.startsWith('__')) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${what} name ${JSON.stringify(name)} is invalid; use letters, digits and "_" (not leading), at most 63 characters, not starting with "__"`,
    )
  }
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}

/** A duration: milliseconds, or a string such as `'90s'`, `'15m'`, `'24h'`, `'7d'`, `'2w'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd' | 'w'}`

/** Milliseconds of a {@link Duration}; rejects negative, fractional-ms or malformed values. */
export function parseDuration(what: string, value: Duration): number {
  let ms: number | undefined
  if (typeof value === 'number') ms = value
  else if (typeof value === 'string') {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(value.trim())
    if (m?.[1] !== undefined && m[2] !== undefined) ms = Number(m[1]) * (UNIT_MS[m[2]] ?? Number.NaN)
  }
  if (ms === undefined || !Number.isSafeInteger(ms) || ms <= 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${what} ${JSON.stringify(value)} is invalid; use a positive whole number of milliseconds or a string such as "15m", "24h" or "7d"`,
    )
  }
  return ms
}

/** The shortest exact duration string for `ms` (e.g. `86400000` → `'1d'`). */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] ?? 1
    if (ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}
