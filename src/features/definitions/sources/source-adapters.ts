import { StrataError } from '../core/errors.js'
import { assertName } from './feature-types.js'

/** Table formats a file-based source can hold. */
export type SourceFormat = 'parquet' | 'csv' | 'json'

/** Rows from a versioned dataset at a branch, tag or commit. */
export interface DatasetSource {
  readonly kind: 'dataset'
  readonly dataset: string
  /** Branch, tag or commit id; a branch is resolved each time the view is computed. */
  readonly ref: string
  /** A file, or a directory prefix whose files are all read; `undefined` = every file. */
  readonly path: string | undefined
  /** The event-timestamp column. */
  readonly timestamp: string
  readonly format: SourceFormat
}

/** Rows from local files (a path or glob), read by DuckDB; for quick starts, tests and benchmarks. */
export interface FileSource {
  readonly kind: 'file'
  readonly path: string
  readonly timestamp: string
  readonly format: SourceFormat
}

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

/** Where a feature view reads its rows. */
export type FeatureSource = DatasetSource | FileSource | PostgresSource

/** Default environment variable holding the URL of a {@link postgresSource}. */
export const DEFAULT_POSTGRES_SOURCE_ENV = 'STRATA_SOURCE_POSTGRES_URL'

function formatOf(path: string | undefined, format: SourceFormat | undefined): SourceFormat {
  if (format !== undefined) {
    if (format !== 'parquet' && format !== 'csv' && format !== 'json') {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `source format "${format}" is invalid; use parquet, csv or json`,
      )
    }
    return format
  }
  if (path !== undefined && /\.csv$/i.test(path)) return 'csv'
  if (path !== undefined && /\.jsonl?$/i.test(path)) return 'json'
  return 'parquet'
}

/**
 * A versioned dataset as a feature source. `ref` may also be given inline as
 * `'dataset@ref:path'` (the CLI form).
 *
 * @example
 * datasetSource({ dataset: 'flights', ref: 'main', path: 'flights.parquet', timestamp: 'date' })
 * datasetSource('flights@main:flights.parquet', { timestamp: 'date' })
 */
export function datasetSource(
  def: { dataset: string; ref?: string; path?: string; timestamp: string; format?: SourceFormat } | string,
  extra?: { timestamp: string; format?: SourceFormat },
): DatasetSource {
  let spec: { dataset: string; ref?: string; path?: string; timestamp: string; format?: SourceFormat }
  if (typeof def === 'string') {
    const m = /^([^@:]+)(?:@([^:]+))?(?::(.+))?$/.exec(def)
    if (!m?.[1] || extra === undefined) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `dataset source "${def}" is invalid; expected "dataset@ref:path" plus { timestamp }`,
      )
    }
    spec = { dataset: m[1], timestamp: extra.timestamp }
    if (m[2] !== undefined) spec.ref = m[2]
    if (m[3] !== undefined) spec.path = m[3]
    if (extra.format !== undefined) spec.format = extra.format
  } else spec = def
  if (typeof spec.dataset !== 'string' || spec.dataset === '') {
    throw new StrataError('INVALID_ARGUMENT', 'dataset source needs a dataset name')
  }
  assertName('source timestamp column', spec.timestamp)
  return Object.freeze({
    kind: 'dataset',
    dataset: spec.dataset,
    ref: spec.ref ?? 'main',
    path: spec.path,
    timestamp: spec.timestamp,
    format: formatOf(spec.path, spec.format),
  })
}

/**
 * Local files as a feature source (a path or a glob such as `data/*.parquet`).
 *
 * @example
 * fileSource({ path: 'data/trips.parquet', timestamp: 'event_time' })
 */
export function fileSource(def: { path: string; timestamp: string; format?: SourceFormat }): FileSource {
  if (typeof def.path !== 'string' || def.path === '') {
    throw new StrataError('INVALID_ARGUMENT', 'file source needs a path, e.g. "data/trips.parquet"')
  }
  assertName('source timestamp column', def.timestamp)
  return Object.freeze({
    kind: 'file',
    path: def.path,
    timestamp: def.timestamp,
    format: formatOf(def.path, def.format),
  })
}

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

/** A stable, secret-free description of a source, for hashing and plan output. */
export function describeSource(source: FeatureSource): Record<string, string | null> {
  switch (source.kind) {
    case 'dataset':
      return {
        kind: 'dataset',
        dataset: source.dataset,
        ref: source.ref,
        path: source.path ?? null,
        timestamp: source.timestamp,
        format: source.format,
      }
    case 'file':
      return { kind: 'file', path: source.path, timestamp: source.timestamp, format: source.format }
    case 'postgres':
      return { kind: 'postgres', table: source.table, timestamp: source.timestamp, urlEnv: source.urlEnv }
  }
}
