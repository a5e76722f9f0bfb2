import { StrataError } from '../../core/errors.js'
import type { OnlineField, OnlineWrite } from '../../ports/index.js'

/**
 * One write after validation, with its value already serialized. Every online store
 * stores the JSON text, so values read back identically everywhere (JSON semantics:
 * `-0` reads as `0`, non-finite numbers as `null`, `undefined` properties are dropped).
 */
export interface PreparedOnlineWrite {
  entityKey: string
  field: string
  /** `JSON.stringify(value)`. */
  json: string
  eventTime: number
  expiresAt: number | undefined
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  return typeof value === 'object' ? (value === null ? 'null' : 'an object') : String(value)
}

/** Throws `INVALID_ARGUMENT` unless `namespace` is a non-empty string. */
export function assertNamespace(namespace: unknown): asserts namespace is string {
  if (typeof namespace !== 'string' || namespace === '') {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `online store namespace ${describeValue(namespace)} is invalid; expected a non-empty string`,
      { details: { namespace: describeValue(namespace) } },
    )
  }
}

/** Throws `INVALID_ARGUMENT` unless `entityKey` is a non-empty string. */
export function assertEntityKey(entityKey: unknown): asserts entityKey is string {
  if (typeof entityKey !== 'string' || entityKey === '') {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `online store entity key ${describeValue(entityKey)} is invalid; expected a non-empty string such as "SFO" or "SFO|JFK"`,
      { details: { entityKey: describeValue(entityKey) } },
    )
  }
}

/** Throws `INVALID_ARGUMENT` unless `field` is a non-empty string. */
export function assertFieldName(field: unknown): asserts field is string {
  if (typeof field !== 'string' || field === '') {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `online store field name ${describeValue(field)} is invalid; expected a non-empty string (usually a feature view name)`,
      { details: { field: describeValue(field) } },
    )
  }
}

function assertTime(name: 'eventTime' | 'expiresAt', value: unknown, write: OnlineWrite): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `online write of field "${write.field}" for entity "${write.entityKey}" has ${name} ${describeValue(value)}; expected finite epoch milliseconds`,
      { details: { [name]: describeValue(value) } },
    )
  }
  return value
}

function serialize(write: OnlineWrite): string {
  let json: string | undefined
  try {
    json = JSON.stringify(write.value)
  } catch (err) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `online write of field "${write.field}" for entity "${write.entityKey}" has a value that is not JSON-serializable (${(err as Error).message}); expected null, booleans, numbers, strings, arrays and plain objects`,
      { cause: err },
    )
  }
  if (json === undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `online write of field "${write.field}" for entity "${write.entityKey}" has value ${describeValue(write.value)}; expected a JSON value (use null for "no value")`,
    )
  }
  return json
}

/**
 * Validates a whole batch before anything is stored, so an invalid batch writes nothing.
 * Throws `INVALID_ARGUMENT` naming the first offending write.
 */
export function prepareWrites(namespace: unknown, writes: readonly OnlineWrite[]): PreparedOnlineWrite[] {
  assertNamespace(namespace)
  if (!Array.isArray(writes)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      'online store writes must be an array of { entityKey, field, value, eventTime }',
    )
  }
  return writes.map((write) => {
    assertEntityKey(write.entityKey)
    assertFieldName(write.field)
    const eventTime = assertTime('eventTime', write.eventTime, write)
    const expiresAt =
      write.expiresAt === undefined ? undefined : assertTime('expiresAt', write.expiresAt, write)
    return { entityKey: write.entityKey, field: write.field, json: serialize(write), eventTime, expiresAt }
  })
}

/** Validates the arguments of `read`. */
export function assertReadArguments(
  namespace: unknown,
  entityKeys: readonly string[],
  fields: readonly string[] | undefined,
): void {
  assertNamespace(namespace)
  if (!Array.isArray(entityKeys)) {
    throw new StrataError('INVALID_ARGUMENT', 'online store entityKeys must be an array of non-empty strings')
  }
  for (const key of entityKeys) assertEntityKey(key)
  if (fields === undefined) return
  if (!Array.isArray(fields)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      'online store fields must be an array of non-empty strings when given',
    )
  }
  for (const field of fields) assertFieldName(field)
}

/** True when a field with this expiry is still readable at `now`. */
export function isLive(expiresAt: number | null | undefined, now: number): boolean {
  return expiresAt === undefined || expiresAt === null || expiresAt > now
}

/**
 * Adds a field to a read result. Uses `defineProperty`, so a field named `__proto__`
 * becomes an ordinary property instead of replacing the record's prototype.
 */
export function setField(record: Record<string, OnlineField>, name: string, field: OnlineField): void {
  if (name === '__proto__') {
    Object.defineProperty(record, name, {
      value: field,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  } else {
    record[name] = field
  }
}
