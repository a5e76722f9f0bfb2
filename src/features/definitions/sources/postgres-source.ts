import { StrataError } from '../../../core/errors.js'
import { assertName } from '../feature-types.js'
import { type PostgresSourcePool, postgresPointInTimeJoin, postgresViewRows } from './postgres-queries.js'
import type { SourceAdapter, SourceContext, ViewOver } from './source-adapter.js'

/** Rows of a Postgres table; the view's SQL and its point-in-time joins run in Postgres. */
export interface PostgresSource {
  readonly kind: 'postgres'
  /** Table name, optionally schema-qualified (`analytics.trips`). */
  readonly table: string
  readonly timestamp: string
  /** Connection URL; when unset it is read from the environment variable `urlEnv`. */
  readonly url: string | undefined
  readonly urlEnv: string
}

/** Default environment variable holding the URL of a {@link postgresSource}. */
export const DEFAULT_POSTGRES_SOURCE_ENV = 'STRATA_SOURCE_POSTGRES_URL'

/**
 * A Postgres table as a feature source. The view's `sql` (Postgres dialect, over the table
 * named `source`) and the point-in-time join run inside Postgres.
 *
 * @example
 * postgresSource({ table: 'public.trips', timestamp: 'event_time', urlEnv: 'TRIPS_DB_URL' })
 */
export function postgresSource(def: {
  table: string
  timestamp: string
  url?: string
  urlEnv?: string
}): PostgresSource {
  if (
    typeof def.table !== 'string' ||
    !/^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/.test(def.table)
  ) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `postgres source table ${JSON.stringify(def.table)} is invalid; use "table" or "schema.table" with letters, digits and "_"`,
    )
  }
  assertName('source timestamp column', def.timestamp)
  return Object.freeze({
    kind: 'postgres',
    table: def.table,
    timestamp: def.timestamp,
    url: def.url,
    urlEnv: def.urlEnv ?? DEFAULT_POSTGRES_SOURCE_ENV,
  })
}

/** The store's pool for the view's URL (one per URL, closed by the store). */
function poolFor(view: ViewOver<PostgresSource>, context: SourceContext): PostgresSourcePool {
  const source = view.source
  const url = source.url ?? context.env[source.urlEnv]
  if (url === undefined || url === '') {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `feature view "${view.name}" reads Postgres table ${source.table}, but ${source.urlEnv} is not set; set it to a postgres:// URL`,
    )
  }
  const open = context.postgres
  if (open === undefined) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `feature view "${view.name}" reads Postgres, but no Postgres connector is configured`,
    )
  }
  return context.connections.get(`postgres:${url}`, () => open(url))
}

/**
 * Postgres sources are queried where they live: the view's `sql` (Postgres dialect) runs in
 * Postgres for time-range reads and materialization, and point-in-time joins are pushed down
 * (see `postgresPointInTimeJoin`). The URL is not part of the description (it may hold a
 * password); the name of its environment variable is.
 */
export const postgresSourceAdapter: SourceAdapter<PostgresSource> = {
  kind: 'postgres',
  factory: 'postgresSource',
  describe: (source) => ({
    kind: 'postgres',
    table: source.table,
    timestamp: source.timestamp,
    urlEnv: source.urlEnv,
  }),
  show: (s) => `postgres ${s.table}`,
  checkView(view, where) {
    if (view.transform !== undefined) {
      throw new StrataError(
        'UNSUPPORTED',
        `${where}: a Postgres source runs in Postgres, so it takes sql, not a TypeScript transform`,
      )
    }
  },
  reading: {
    mode: 'query',
    engine: 'Postgres',
    open(view, context) {
      const pool = poolFor(view, context)
      return {
        rows: (range) => postgresViewRows(pool, view, range),
        pointInTimeJoin: ({ entities, features }) => postgresPointInTimeJoin(pool, view, entities, features),
      }
    },
  },
}
