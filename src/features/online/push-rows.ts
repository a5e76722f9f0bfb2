import { StrataError } from '../../core/errors.js'
import { toEpochMs } from '../../core/time.js'
import type { OnlineWrite } from '../../ports/index.js'
import type { FeatureView } from '../definitions/index.js'
import { isInvalid, normalizeKey, showValue, toStoredValue, typeViolation } from '../definitions/index.js'
import { layoutEntityKey, type OnlineLayout } from './online-layout.js'

/** Rows to push: objects, or Feast-style columns (`{ column: [values…] }`, one entry per row). */
export type PushRows =
  | readonly Readonly<Record<string, unknown>>[]
  | Readonly<Record<string, readonly unknown[]>>

/**
 * Columns a pushed row may carry besides a view's join keys, timestamp and features, and ignore:
 * Feast's created timestamp (`created`, sent by its remote online store), which Strata does not
 * use to order values.
 */
const IGNORED_COLUMNS: ReadonlySet<string> = new Set(['created'])

/**
 * The timestamp column Feast's remote online store sends (`event_timestamp`), read when a row
 * lacks the view's own timestamp column.
 */
export const FEAST_EVENT_TIMESTAMP = 'event_timestamp'

/** Pushed rows as objects, with every column checked to be an array of one length. */
export function pushedRows(rows: PushRows): Readonly<Record<string, unknown>>[] {
  if (Array.isArray(rows)) {
    rows.forEach((row, i) => {
      if (typeof row !== 'object' || row === null || Array.isArray(row)) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `pushed row ${i + 1} is ${showValue(row)}; each row must be an object of column → value`,
        )
      }
    })
    return rows as Readonly<Record<string, unknown>>[]
  }
  if (typeof rows !== 'object' || rows === null) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `pushed rows are ${showValue(rows)}; give a list of row objects or an object of column → list of values (Feast's "df")`,
    )
  }
  const columns = Object.entries(rows as Record<string, unknown>)
  let n: number | undefined
  let first = ''
  for (const [name, values] of columns) {
    if (!Array.isArray(values)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `pushed column "${name}" is ${showValue(values)}; each column must be a list of values, one per row`,
      )
    }
    if (n === undefined) {
      n = values.length
      first = name
    } else if (values.length !== n) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `pushed column "${name}" has ${values.length} values but "${first}" has ${n}; every column needs one value per row`,
      )
    }
  }
  const out: Record<string, unknown>[] = []
  for (let i = 0; i < (n ?? 0); i++) {
    const row: Record<string, unknown> = {}
    for (const [name, values] of columns) row[name] = (values as unknown[])[i]
    out.push(row)
  }
  return out
}

/**
 * Refuses columns no target view knows (a typo would otherwise be silently dropped), naming
 * them and the columns that are valid.
 */
export function checkPushColumns(
  rows: readonly Readonly<Record<string, unknown>>[],
  views: readonly FeatureView[],
): void {
  const known = new Set<string>(IGNORED_COLUMNS)
  known.add(FEAST_EVENT_TIMESTAMP)
  for (const view of views) {
    for (const k of view.joinKeys) known.add(k)
    known.add(view.timestamp)
    for (const f of Object.keys(view.features)) known.add(f)
  }
  const seen = new Set<string>()
  for (const row of rows) for (const c of Object.keys(row)) seen.add(c)
  const unknown = [...seen].filter((c) => !known.has(c))
  if (unknown.length > 0) {
    const names = views.map((v) => `"${v.name}"`).join(', ')
    throw new StrataError(
      'INVALID_ARGUMENT',
      `pushed column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')} belong${unknown.length > 1 ? '' : 's'} to no target view (${names}); valid columns are ${[...known].sort().join(', ')}; nothing was written`,
      { details: { unknown, valid: [...known].sort() } },
    )
  }
}

/** One view's pushed rows as online writes: the latest row per entity, every value type-checked. */
export interface PreparedPush {
  writes: OnlineWrite[]
  /** Rows given (before keeping the latest per entity). */
  rows: number
}

/**
 * Type-checks every pushed row against a view — join keys present and of their declared type,
 * an event timestamp (the view's column, or Feast's `event_timestamp`), every feature column
 * present (a `null` value is an explicit null; a missing column is an error, never a silent
 * null) and of its declared type — and keeps the latest row per entity (a later row wins a
 * tie). Throws `INVALID_ARGUMENT` naming the view, column, row (1-based) and value, and what
 * would be valid; nothing is written by this function.
 */
export function preparePush(
  view: FeatureView,
  layout: OnlineLayout,
  rows: readonly Readonly<Record<string, unknown>>[],
): PreparedPush {
  const features = Object.entries(view.features)
  const latest = new Map<string, OnlineWrite>()
  const where = (i: number) => ({ number: i + 1, of: 'the pushed rows' })
  rows.forEach((row, i) => {
    const keys: Record<string, unknown> = {}
    for (const k of view.joinKeys) {
      const type = view.keyTypes[k] ?? 'string'
      if (!(k in row)) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `push to feature view "${view.name}": row ${i + 1} has no join key "${k}" (${type}); every row needs ${view.joinKeys.map((j) => `"${j}"`).join(', ')}; nothing was written`,
          { details: { view: view.name, row: i + 1, column: k } },
        )
      }
      const key = normalizeKey(type, row[k])
      if (key === undefined) {
        throw typeViolation({
          view: view.name,
          feature: k,
          type: type === 'int' ? 'int' : 'string',
          entity: Object.fromEntries(view.joinKeys.map((j) => [j, row[j]])),
          value: row[k],
          context: 'push',
          role: 'join key',
          row: where(i),
        })
      }
      keys[k] = key
    }
    const column = view.timestamp in row ? view.timestamp : FEAST_EVENT_TIMESTAMP
    const ts = row[column]
    const eventTime = ts === null || ts === undefined ? undefined : toEpochMs(ts)
    if (eventTime === undefined) {
      const what = column in row ? `is ${showValue(ts)}` : 'is missing'
      throw new StrataError(
        'INVALID_ARGUMENT',
        `push to feature view "${view.name}": the event timestamp "${view.timestamp}" of row ${i + 1} ${what}; give an ISO-8601 time such as 2024-01-01T10:00:00Z (without an offset it is UTC) or epoch milliseconds (Feast's "${FEAST_EVENT_TIMESTAMP}" column is read when "${view.timestamp}" is absent); nothing was written`,
        { details: { view: view.name, row: i + 1, column: view.timestamp, value: showValue(ts) } },
      )
    }
    const value: Record<string, string | number | boolean | null> = {}
    for (const [feature, type] of features) {
      if (!(feature in row)) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `push to feature view "${view.name}": row ${i + 1} has no column for feature "${feature}" (${type}); give every feature of the view (${features.map(([f]) => f).join(', ')}), null for a missing value; nothing was written`,
          { details: { view: view.name, row: i + 1, column: feature } },
        )
      }
      const given = row[feature]
      // Timestamps arrive as text over JSON: read them with the one time-zone rule.
      const stored = toStoredValue(
        type,
        type === 'timestamp' && typeof given === 'string' ? (toEpochMs(given) ?? given) : given,
      )
      if (isInvalid(stored)) {
        throw typeViolation({
          view: view.name,
          feature,
          type,
          entity: keys,
          value: given,
          context: 'push',
          row: where(i),
        })
      }
      value[feature] = stored
    }
    const entityKey = layoutEntityKey(layout, keys)
    const previous = latest.get(entityKey)
    if (previous === undefined || previous.eventTime <= eventTime) {
      latest.set(entityKey, { entityKey, field: layout.field, value, eventTime })
    }
  })
  return { writes: [...latest.values()], rows: rows.length }
}
