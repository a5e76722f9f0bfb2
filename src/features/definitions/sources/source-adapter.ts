import type { Row, TableEngine } from '../../../ports/index.js'
import type { FeatureDataRepository } from '../feature-data-repository.js'
import type { FeatureView } from '../feature-view.js'
import type { PostgresSourcePool } from './postgres-queries.js'

/** What every source definition has: its kind (the key of its adapter) and event-timestamp column. */
export interface SourceDefinition {
  readonly kind: string
  /** The event-timestamp column of the source's rows. */
  readonly timestamp: string
}

/** A source's stable, secret-free description: hashed into a view's data version, shown by plan. */
export type SourceDescription = Record<string, string | null>

/** A feature view over a source of type `S`. */
export type ViewOver<S extends SourceDefinition> = FeatureView & { readonly source: S }

/** Connections an adapter opens once per feature store; the store closes them in `close()`. */
export interface SourceConnections {
  /** The connection cached under `key`, opened by `open` on first use. */
  get<T extends { end(): Promise<void> }>(key: string, open: () => T): T
}

/** What adapters read sources with: the store's engine, data and configuration. */
export interface SourceContext {
  /** DuckDB: reads snapshot relations. */
  engine: TableEngine
  /** Versioned datasets (dataset sources); `undefined` when the store has none. */
  repository: FeatureDataRepository | undefined
  /** Project root: relative file paths resolve against it. */
  root: string
  /** Environment for connection URLs given by variable name. */
  env: Readonly<Record<string, string | undefined>>
  /** Opens a Postgres pool for a URL (the store's `postgres` option). */
  postgres: ((url: string) => PostgresSourcePool) | undefined
  connections: SourceConnections
}

/** A source's content at one moment, as DuckDB reads it. */
export interface SourceSnapshot {
  /** A DuckDB relation of the source rows, e.g. `read_parquet(['…'])`. */
  relation: string
  /** Changes whenever the content may have changed: computed view data is keyed by it. */
  key: string
  /** The dataset commit the snapshot is, for lineage; `null` for sources without commits. */
  commit: string | null
  /** Where that commit comes from, for commit messages (`flights@0a1b2c3d4e5f`); `null` without one. */
  origin: string | null
}

/**
 * A source read as snapshots: the view's `sql` or `transform` runs in DuckDB over the snapshot,
 * and the result is kept as a commit of computed view data; rows in a time range and
 * point-in-time joins then read that computed data.
 */
export interface SnapshotReading<S extends SourceDefinition> {
  readonly mode: 'snapshot'
  snapshot(view: ViewOver<S>, context: SourceContext): Promise<SourceSnapshot>
}

/** An event-time range: `after` exclusive, `from` and `upTo` inclusive; `null` = unbounded. */
export interface SourceRange {
  after?: number | null
  from?: number | null
  upTo?: number | null
  /** Only the latest row per entity (the one stored last among equal event times). */
  latest: boolean
}

/** One entity row of a pushed-down point-in-time join. */
export interface PitEntity {
  /** The row's position, echoed in its match. */
  row: number
  /** Join-key values, normalized to their key types, in the view's join-key order. */
  keys: readonly unknown[]
  /** The row's time (epoch ms); `null` matches nothing. */
  ts: number | null
}

/** The view row an entity row joined to: its event time and the requested features' values. */
export interface PitMatch {
  row: number
  /** Event time of the matched view row (epoch ms); `null` when none is at or before the row's time. */
  eventTime: number | null
  /** Feature values in request order (ints as bigint, timestamps as Date, as DuckDB gives them). */
  values: readonly unknown[]
}

/** A view bound to a source that runs the view's query itself. */
export interface SourceQuery {
  /**
   * The view's rows with event time in `range`, in batches; join keys and event time never
   * null. Values as DuckDB returns them for computed views (ints as bigint, timestamps as Date).
   */
  rows(range: SourceRange): AsyncIterable<Row[]>
  /**
   * The point-in-time join pushed down into the source: for each entity row, the latest view
   * row with the same keys at or before its time (the one stored last among equal times).
   * The ttl and type checks are applied by the caller.
   */
  pointInTimeJoin(request: {
    entities: readonly PitEntity[]
    features: readonly string[]
  }): Promise<PitMatch[]>
}

/**
 * A source that runs the view's `sql` itself (a database): nothing is copied to DuckDB; rows
 * and point-in-time joins are queried where the data lives.
 */
export interface QueryReading<S extends SourceDefinition> {
  readonly mode: 'query'
  /** The engine the view's `sql` runs in, for messages (`Postgres`). */
  readonly engine: string
  /** Binds a view to its source. Fails (synchronously) when the source is not configured. */
  open(view: ViewOver<S>, context: SourceContext): SourceQuery
}

/**
 * Everything the feature store knows about one kind of source: the definition side
 * (description, plan text, definition checks) and how it is read offline.
 *
 * To add a source kind (a pipeline output, Parquet in S3, …): write one file
 * `<kind>-source.ts` next to the others with its definition type, its factory (such as
 * `datasetSource`) and its adapter, and add the adapter to `SOURCE_ADAPTERS` and the type to
 * `FeatureSource` in `source-adapters.ts`. Nothing else switches on a source's kind; export
 * the factory from the barrels to make it public. A snapshot kind gives DuckDB a relation
 * (computing, point-in-time joins and materialization then come for free); a query kind runs
 * the view's SQL itself and pushes the point-in-time join down. A kind that needs a service
 * {@link SourceContext} lacks (say, pipeline outputs) adds it there for the store to fill.
 */
export interface SourceAdapter<S extends SourceDefinition> {
  readonly kind: S['kind']
  /** The factory users call, for messages (`datasetSource`). */
  readonly factory: string
  /** A stable, secret-free description; changing it changes every view's data version. */
  describe(source: S): SourceDescription
  /** One line for plan output, from a registered description. */
  show(description: SourceDescription): string
  /** Definition-time checks of a view over this source (`where` names the view). */
  checkView?(view: { sql?: string | undefined; transform?: unknown }, where: string): void
  /**
   * The dataset commit a new view version is defined from, resolved at apply for lineage;
   * `missing` says what does not exist yet (`dataset flights@main`). Omit it for sources
   * without commits.
   */
  definedFrom?(
    source: S,
    repository: FeatureDataRepository,
  ): Promise<{ commit: string } | { missing: string }>
  /** How the offline side reads the source: as DuckDB snapshots, or by querying it in place. */
  readonly reading: SnapshotReading<S> | QueryReading<S>
}
