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

export { type Duration, formatDuration, parseDuration } from '../../core/duration.js'
