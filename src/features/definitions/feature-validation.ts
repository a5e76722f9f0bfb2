import { StrataError } from '../../core/errors.js'
import type { FeatureType, JoinKeyType } from './feature-types.js'

/** A value as stored online: timestamps as epoch milliseconds, integers as numbers. */
export type StoredFeatureValue = number | string | boolean | null

const INVALID = Symbol('invalid')

/**
 * Converts a value read from an engine to its stored form, or `INVALID` when it does not fit
 * the declared type: `int` must be an integer within ±(2^53 − 1) (a `bigint` is accepted in range),
 * `float` a finite number, `timestamp` a valid `Date` (or epoch ms). `null`/`undefined` → `null`.
 */
export function toStoredValue(type: FeatureType, value: unknown): StoredFeatureValue | typeof INVALID {
  if (value === null || value === undefined) return null
  switch (type) {
    case 'int':
      if (typeof value === 'bigint') {
        return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
          ? Number(value)
          : INVALID
      }
      return typeof value === 'number' && Number.isSafeInteger(value) ? value : INVALID
    case 'float':
      if (typeof value === 'bigint') return Number(value)
      return typeof value === 'number' && Number.isFinite(value) ? value : INVALID
    case 'string':
      return typeof value === 'string' ? value : INVALID
    case 'bool':
      return typeof value === 'boolean' ? value : INVALID
    case 'timestamp': {
      const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Number.NaN
      return Number.isFinite(ms) ? ms : INVALID
    }
  }
}

/** True when {@link toStoredValue} rejected the value. */
export function isInvalid(value: unknown): value is typeof INVALID {
  return value === INVALID
}

/** Converts a stored value back to its typed form (`timestamp` → `Date`). */
export function fromStoredValue(type: FeatureType, value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (type === 'timestamp' && typeof value === 'number') return new Date(value)
  return value
}

/** A readable rendering of an offending value for messages. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
  if (typeof value === 'number') return String(value)
  if (value === null || value === undefined) return String(value)
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

const EXPECTED: Record<FeatureType, string> = {
  int: 'an integer within ±(2^53 − 1)',
  float: 'a finite number',
  string: 'a string',
  bool: 'a boolean',
  timestamp: 'a timestamp',
}

/**
 * The error for a value that violates its declared type, naming the view, feature, entity
 * and value (and carrying them in `details`).
 */
export function typeViolation(input: {
  view: string
  feature: string
  type: FeatureType
  entity: Record<string, unknown>
  value: unknown
  context?: string
  /** What the offending column is; default `feature`. */
  role?: 'feature' | 'join key' | 'timestamp'
  /** Where the offending row is, e.g. `row 43 of the source` (1-based). */
  row?: { number: number; of: string }
  /** Why the whole column is rejected, e.g. `this value makes the column VARCHAR`. */
  note?: string
}): StrataError {
  const entity = Object.entries(input.entity)
    .map(([k, v]) => `${k}=${showValue(v)}`)
    .join(', ')
  const at = input.row === undefined ? '' : ` (row ${input.row.number} of ${input.row.of})`
  const note = input.note === undefined ? '' : `; ${input.note}`
  return new StrataError(
    'INVALID_ARGUMENT',
    `${input.context ?? 'type check'} rejected feature view "${input.view}": ${input.role ?? 'feature'} "${input.feature}" of entity ${entity}${at} is ${showValue(input.value)}, but it is declared ${input.type} (${EXPECTED[input.type]})${note}; nothing was written`,
    {
      details: {
        view: input.view,
        feature: input.feature,
        entity: Object.fromEntries(Object.entries(input.entity).map(([k, v]) => [k, showValue(v)])),
        value: showValue(input.value),
        expected: input.type,
        rule: EXPECTED[input.type],
        ...(input.row === undefined ? {} : { row: input.row.number, rowOf: input.row.of }),
      },
    },
  )
}

/**
 * Serializes join-key values to the online store's entity key: values joined by `|`, with
 * `\` and `|` inside values escaped, so distinct keys never collide.
 */
export function entityKey(values: readonly unknown[]): string {
  if (values.length === 1) return entityKeyPart(values[0])
  let key = ''
  for (let i = 0; i < values.length; i++)
    key += i === 0 ? entityKeyPart(values[i]) : `|${entityKeyPart(values[i])}`
  return key
}

/** One value of an entity key, `\` and `|` escaped (numbers, and most strings, have neither). */
function entityKeyPart(value: unknown): string {
  const text = String(value)
  if (typeof value === 'number' || (!text.includes('\\') && !text.includes('|'))) return text
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|')
}

/**
 * A join-key value normalized to its declared type (`int` keys given as strings of digits
 * are accepted), or `undefined` when it cannot be one.
 */
export function normalizeKey(type: JoinKeyType, value: unknown): string | number | undefined {
  if (type === 'string') return typeof value === 'string' ? value : undefined
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : undefined
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined
  if (typeof value === 'string' && /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value))) {
    return Number(value)
  }
  return undefined
}
