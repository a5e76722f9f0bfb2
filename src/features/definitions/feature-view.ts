import { StrataError } from '../../core/errors.js'
import { ownValue } from '../../core/own-property.js'
import type { Row } from '../../ports/index.js'
import { type Entity, isEntity } from './entity.js'
import {
  assertName,
  type Duration,
  type FeatureSchema,
  isFeatureType,
  type JoinKeyType,
  parseDuration,
} from './feature-types.js'
import { type FeatureSource, sourceAdapterForKind, sourceFactories } from './sources/index.js'

/** A row-wise transform: one source row in, one feature row out (or `null` to drop it). */
export type RowTransform = (row: Row) => Row | null | undefined

/**
 * A set of features computed from one source for one or more entities, each value stamped
 * with an event time. Offline it is computed to Parquet (a dataset commit); online its latest
 * values per entity are materialized as one field of the entity's record.
 */
export interface FeatureView<N extends string = string, F extends FeatureSchema = FeatureSchema> {
  readonly kind: 'feature-view'
  readonly name: N
  readonly entities: readonly Entity[]
  /** Every entity's join keys, in entity then key order (deduplicated). */
  readonly joinKeys: readonly string[]
  readonly keyTypes: Readonly<Record<string, JoinKeyType>>
  readonly source: FeatureSource
  /** The event-timestamp column of the view's rows. */
  readonly timestamp: string
  /** How long a value stays valid after its event time, in ms; `null` = forever. */
  readonly ttlMs: number | null
  /** SQL over the table `source` (DuckDB, or Postgres for a Postgres source). */
  readonly sql: string | undefined
  readonly transform: RowTransform | undefined
  readonly features: Readonly<F>
  readonly description: string | undefined
  readonly tags: Readonly<Record<string, string>>
  /** Whether `materialize` writes this view to the online store (default true). */
  readonly online: boolean
  /**
   * The push source feeding this view, if any: rows pushed under this name
   * (`FeatureStore.push({ pushSource })`, Feast's `POST /push` `push_source_name`) are written
   * to every view that names it.
   */
  readonly pushSource: string | undefined
  /** A subset of this view's features, e.g. for a feature service. */
  select<const K extends keyof F & string>(...names: K[]): FeatureSelection<N, Pick<F, K>>
  /** The reference `view:feature` of one feature. */
  ref<K extends keyof F & string>(feature: K): `${N}:${K}`
}

/** Some features of one view. */
export interface FeatureSelection<N extends string = string, F extends FeatureSchema = FeatureSchema> {
  readonly kind: 'feature-selection'
  readonly view: FeatureView<N, FeatureSchema>
  readonly features: readonly (keyof F & string)[]
  /** Only for typing; the declared types of the selected features. */
  readonly schema: Readonly<F>
}

/** What {@link featureView} accepts. */
export interface FeatureViewDefinition<N extends string, F extends FeatureSchema> {
  name: N
  entities: readonly Entity[]
  source: FeatureSource
  /** The event-timestamp column of the view's output; default the source's. */
  timestamp?: string
  /** Values older than this (relative to the lookup time) are treated as missing. */
  ttl?: Duration
  /** DuckDB SQL over the table `source`; must output the join keys, timestamp and features. */
  sql?: string
  /** A TypeScript function applied to each source row (instead of `sql`). */
  transform?: RowTransform
  features: F
  description?: string
  tags?: Record<string, string>
  online?: boolean
  /** The name of a push source whose pushed rows this view takes (Feast's `PushSource` name). */
  pushSource?: string
}

/**
 * Declares a feature view.
 *
 * @example
 * export const airportDelays = featureView({
 *   name: 'airport_delays',
 *   entities: [airport],
 *   source: datasetSource({ dataset: 'flights', path: 'flights.parquet', timestamp: 'date' }),
 *   ttl: '7d',
 *   sql: `select origin, date, avg((delay > 15)::int) over w as late_share_24h from source
 *         window w as (partition by origin order by date range between interval 24 hours preceding and interval 1 microsecond preceding)`,
 *   features: { late_share_24h: 'float' },
 * })
 */
export function featureView<const N extends string, const F extends FeatureSchema>(
  def: FeatureViewDefinition<N, F>,
): FeatureView<N, F> {
  assertName('feature view', def.name)
  const where = `feature view "${def.name}"`
  if (!Array.isArray(def.entities) || def.entities.length === 0 || !def.entities.every(isEntity)) {
    throw new StrataError('INVALID_ARGUMENT', `${where} needs entities: a non-empty list of entity(...)`)
  }
  const joinKeys: string[] = []
  const keyTypes: Record<string, JoinKeyType> = {}
  for (const e of def.entities) {
    for (const key of e.joinKeys) {
      const type = e.keyTypes[key] ?? 'string'
      const existing = keyTypes[key]
      if (existing !== undefined && existing !== type) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `${where}: join key "${key}" is ${existing} in one entity and ${type} in another; use one type`,
        )
      }
      if (existing === undefined) joinKeys.push(key)
      keyTypes[key] = type
    }
  }
  if (typeof def.source !== 'object' || def.source === null || !('kind' in def.source)) {
    throw new StrataError('INVALID_ARGUMENT', `${where} needs a source: ${sourceFactories()}`)
  }
  const adapter = sourceAdapterForKind(def.source.kind)
  if (adapter === undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${where} has a source of unknown kind ${JSON.stringify(def.source.kind)}; use ${sourceFactories()}`,
    )
  }
  const timestamp = def.timestamp ?? def.source.timestamp
  assertName(`${where} timestamp column`, timestamp)
  if (def.sql !== undefined && def.transform !== undefined) {
    throw new StrataError('INVALID_ARGUMENT', `${where} has both sql and transform; give one`)
  }
  if (def.sql !== undefined && (typeof def.sql !== 'string' || def.sql.trim() === '')) {
    throw new StrataError('INVALID_ARGUMENT', `${where}: sql is empty; give a query over the table "source"`)
  }
  if (def.transform !== undefined && typeof def.transform !== 'function') {
    throw new StrataError('INVALID_ARGUMENT', `${where}: transform must be a function (row) => row | null`)
  }
  adapter.checkView?.(def, where)
  if (def.pushSource !== undefined) assertName(`${where} push source`, def.pushSource)
  const names = Object.keys(def.features ?? {})
  if (names.length === 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${where} declares no features; pass features: { name: 'float', … }`,
    )
  }
  for (const name of names) {
    assertName(`${where} feature`, name)
    const type = ownValue(def.features, name)
    if (!isFeatureType(type)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `${where} feature "${name}" has type ${JSON.stringify(type)}; use int, float, string, bool or timestamp`,
      )
    }
    if (keyTypes[name] !== undefined || name === timestamp) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `${where} feature "${name}" has the name of a join key or the timestamp column; rename it`,
      )
    }
  }
  const view: FeatureView<N, F> = {
    kind: 'feature-view',
    name: def.name,
    entities: Object.freeze([...def.entities]),
    joinKeys: Object.freeze(joinKeys),
    keyTypes: Object.freeze(keyTypes),
    source: def.source,
    timestamp,
    ttlMs: def.ttl === undefined ? null : parseDuration(`${where} ttl`, def.ttl),
    sql: def.sql,
    transform: def.transform,
    features: Object.freeze({ ...def.features }),
    description: def.description,
    tags: Object.freeze({ ...(def.tags ?? {}) }),
    online: def.online ?? true,
    pushSource: def.pushSource,
    select: (...selected) => {
      const schema = {} as Record<string, unknown>
      for (const name of selected) {
        if (!(name in def.features)) {
          throw new StrataError(
            'INVALID_ARGUMENT',
            `${where} has no feature "${name}"; it has ${names.join(', ')}`,
          )
        }
        schema[name] = def.features[name]
      }
      return Object.freeze({
        kind: 'feature-selection',
        view: view as unknown as FeatureView<N, FeatureSchema>,
        features: Object.freeze([...selected]),
        schema: schema as Pick<F, (typeof selected)[number]>,
      })
    },
    ref: (feature) => {
      if (!(feature in def.features)) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `${where} has no feature "${feature}"; it has ${names.join(', ')}`,
        )
      }
      return `${def.name}:${feature}` as const
    },
  }
  return Object.freeze(view)
}

/** True when `value` was made by {@link featureView}. */
export function isFeatureView(value: unknown): value is FeatureView {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'feature-view'
}
