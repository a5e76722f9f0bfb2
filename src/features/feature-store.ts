import { join } from 'node:path'
import type { Kysely } from 'kysely'
import type { ServiceContext } from '../data/index.js'
import type { OnlineStore, TableEngine } from '../ports/index.js'
import {
  type ApplyResult,
  FeatureCatalog,
  type FeatureDataRepository,
  type FeaturePlan,
  FeatureRegistry,
  type FeatureService,
  type FeatureTables,
  type FeatureView,
  type PostgresSourcePool,
  planRetrieval,
  type ServiceItem,
  SourceConnectionCache,
  type SourceConnections,
  type SourceContext,
  type ValuesOf,
} from './definitions/index.js'
import { type FeatureInventoryItem, featureInventory } from './feature-inventory.js'
import {
  buildTrainingSet,
  type OfflineView,
  openOfflineView,
  recordDefinedViewVersions,
  type TrainingSet,
  type TrainingSetOptions,
  ViewDataStore,
} from './offline/index.js'
import {
  MaterializedCheck,
  type MaterializeOptions,
  type MaterializeReport,
  materializeViews,
  type OnlineEntities,
  type OnlineFeatures,
  type OnlinePlan,
  type PushOptions,
  type PushReport,
  planOnline,
  pushRows,
  readOnlineFeatures,
} from './online/index.js'

/** Dependencies of {@link FeatureStore} beyond its service context, and tuning. */
export interface FeatureStoreConfig {
  /** DuckDB: computes views and point-in-time joins. */
  engine: TableEngine
  /** The online store, or a function opening it on first use. */
  online: OnlineStore | (() => Promise<OnlineStore>)
  /**
   * Versioned datasets, built on the same service context: dataset sources are read from it,
   * and computed views and saved training sets are committed to it (as the context's principal).
   */
  repository: FeatureDataRepository
  /** The project's definitions: a catalog, a module namespace, or a list. */
  definitions: FeatureCatalog | Iterable<unknown> | Record<string, unknown>
  /** Local cache and scratch directory (e.g. `.strata/features`, see {@link defaultFeatureWorkDir}). */
  workDir: string
  /** Project root: relative file-source paths resolve against it. */
  root: string
  /** Opens a connection pool for a Postgres source URL (e.g. `(url) => new pg.Pool({ connectionString: url })`). */
  postgres: (url: string) => PostgresSourcePool
  /** Environment for Postgres source URLs given by variable name (default `process.env`). */
  env?: Record<string, string | undefined>
  /**
   * Connections (Postgres pools) shared by the stores of one project, closed by their owner
   * (default: the store's own, closed by {@link FeatureStore.close}).
   */
  connections?: SourceConnections
  /** Online namespace prefix (default `features`); use one per project sharing a store. */
  namespacePrefix?: string
  /** Dataset of computed views (default `feature-views`). */
  featureDataset?: string
  /** Dataset of saved training sets (default `training-sets`). */
  trainingSetDataset?: string
}

/** Online request: features or a service, and entity rows (objects or Feast-style columns). */
export interface OnlineRequest {
  features?: readonly (string | ServiceItem)[]
  service?: FeatureService | string
  entities: OnlineEntities
  /** Request-time values for on-demand features (else read from `entities`). */
  requestContext?: OnlineEntities
  fullFeatureNames?: boolean
  /** The time of ttl checks (epoch ms; default the context clock's now). */
  now?: number
}

/**
 * The feature store: definitions in code, versions in the metadata database, feature data as
 * dataset commits, point-in-time training sets in DuckDB (or Postgres), and the latest values
 * in the online store.
 *
 * Built on a service context like every domain service: versions live in its metadata
 * database, view versions, computed data and training sets are recorded in its lineage graph,
 * its clock stamps what is recorded and decides ttl checks, and its tracing times the phases
 * of computing and joining (area `features`, e.g. `STRATA_DEBUG=features`). Commits are the
 * principal's through `repository`, which is built on the same context.
 *
 * @example
 * const store = await strata.features()
 * // or, where services are composed (platform/, tests):
 * // new FeatureStore(ctx, { engine, online, repository, definitions, workDir, root, postgres })
 * await store.apply()
 * const ts = await store.getTrainingSet({ entityRows, service: delayModel })
 * await store.materialize({ incremental: true })
 * const { rows } = await store.getOnlineFeatures({ service: delayModel, entities: { origin: ['SFO'] } })
 */
export class FeatureStore {
  readonly catalog: FeatureCatalog
  readonly registry: FeatureRegistry
  private readonly db: Kysely<FeatureTables>
  private readonly viewData: ViewDataStore
  private readonly sources: SourceContext
  private readonly prefix: string
  /** Connections opened by source adapters (Postgres pools) when the store owns them; closed by {@link close}. */
  private readonly ownConnections: SourceConnectionCache | undefined
  private readonly hashes = new Map<string, Promise<string>>()
  private readonly onlinePlans = new Map<string, Promise<OnlinePlan>>()
  private onlineStore: Promise<OnlineStore> | undefined
  private readonly materializedCheck: MaterializedCheck

  constructor(
    private readonly ctx: ServiceContext,
    private readonly config: FeatureStoreConfig,
  ) {
    this.catalog =
      config.definitions instanceof FeatureCatalog
        ? config.definitions
        : FeatureCatalog.from(config.definitions)
    this.registry = new FeatureRegistry(ctx.metadata)
    this.db = ctx.metadata.db.withTables<FeatureTables>()
    this.prefix = config.namespacePrefix ?? 'features'
    this.materializedCheck = new MaterializedCheck(this.db, this.registry)
    let connections = config.connections
    if (connections === undefined) {
      this.ownConnections = new SourceConnectionCache()
      connections = this.ownConnections
    }
    this.sources = {
      engine: config.engine,
      repository: config.repository,
      root: config.root,
      env: config.env ?? process.env,
      postgres: config.postgres,
      connections,
    }
    this.viewData = new ViewDataStore({
      sources: this.sources,
      metadata: ctx.metadata,
      registry: this.registry,
      lineage: ctx.lineage,
      clock: ctx.clock,
      tracing: ctx.tracing,
      workDir: config.workDir,
      dataset: config.featureDataset ?? 'feature-views',
    })
  }

  /**
   * Every definition in the code or registered: live version, what `apply` would change, and
   * for feature views what the online store holds of the live version (`strata features list`).
   */
  inventory(): Promise<FeatureInventoryItem[]> {
    return featureInventory(this.catalog, this.registry, this.db)
  }

  /** What `apply` would register, change or remove. */
  plan(): Promise<FeaturePlan> {
    return this.registry.plan(this.catalog)
  }

  /**
   * Registers new versions of changed definitions (breaking changes need `allowBreaking`) and
   * links each new feature-view version to the dataset commit its source resolves to now.
   */
  async apply(options: { allowBreaking?: boolean } = {}): Promise<ApplyResult & { warnings: string[] }> {
    const result = await this.registry.apply(this.catalog, {
      ...(options.allowBreaking === undefined ? {} : { allowBreaking: options.allowBreaking }),
      now: this.ctx.clock.now(),
    })
    this.hashes.clear()
    this.onlinePlans.clear()
    const warnings = await recordDefinedViewVersions(
      result.registered,
      this.catalog,
      this.config.repository,
      this.ctx.lineage,
    )
    return { ...result, warnings }
  }

  /**
   * Computes (or finds) the offline data of views (default all); views whose source runs
   * them (Postgres) have no computed data and are skipped.
   */
  async compute(views?: readonly string[]) {
    const selected = (views ?? [...this.catalog.views.keys()]).map((v) => this.catalog.view(v))
    const out = []
    for (const view of selected) {
      const compute = this.offlineView(view).compute
      if (compute !== undefined) out.push(await compute())
    }
    return out
  }

  /**
   * A point-in-time correct training set: for each entity row and feature, the value with the
   * latest event time ≤ the row's timestamp and within the view's ttl, else null; rows keep
   * their order and duplicates. Without `entityRows`, `start`/`end` select every event of the
   * views in that range as the rows.
   */
  getTrainingSet<S extends FeatureService>(
    options: TrainingSetOptions & { service: S },
  ): Promise<TrainingSet<ValuesOf<S>>>
  getTrainingSet(options: TrainingSetOptions): Promise<TrainingSet>
  getTrainingSet(options: TrainingSetOptions): Promise<TrainingSet> {
    return buildTrainingSet(
      {
        engine: this.config.engine,
        catalog: this.catalog,
        registry: this.registry,
        offlineView: (view) => this.offlineView(view),
        repository: this.config.repository,
        workDir: this.config.workDir,
        tracing: this.ctx.tracing,
        context: {
          engine: this.config.engine,
          db: this.db,
          repository: this.config.repository,
          lineage: this.ctx.lineage,
          clock: this.ctx.clock,
          dataset: this.config.trainingSetDataset ?? 'training-sets',
        },
      },
      options,
    )
  }

  /** Writes each view's latest values per entity to the online store (see {@link MaterializeOptions}). */
  async materialize(options: MaterializeOptions = {}): Promise<MaterializeReport[]> {
    return materializeViews(
      {
        db: this.db,
        online: await this.online(),
        catalog: this.catalog,
        registry: this.registry,
        prefix: this.prefix,
        offlineView: (view) => this.offlineView(view),
        clock: this.ctx.clock,
      },
      options,
    )
  }

  /**
   * Writes rows straight to the online store (Feast's push / `write_to_online_store`): to every
   * view declaring `pushSource`, or to one `view`. Every row is checked against each view's
   * schema before anything is written, the write is one atomic batch, and a row never replaces
   * a value with a newer event time (the materialize rule).
   *
   * @example
   * await store.push({
   *   pushSource: 'driver_stats_push',
   *   rows: [{ driver_id: 1001, ts: '2024-05-13T10:59:42Z', trips: 12, rating: 4.5 }],
   * })
   */
  async push(options: PushOptions): Promise<PushReport> {
    return pushRows(
      { online: await this.online(), catalog: this.catalog, registry: this.registry, prefix: this.prefix },
      options,
    )
  }

  /**
   * The latest materialized values for entity rows, typed by the service. One online read per
   * join-key set; `OUTSIDE_MAX_AGE` past a view's ttl; on-demand features computed in-process.
   */
  getOnlineFeatures<S extends FeatureService>(
    request: OnlineRequest & { service: S },
  ): Promise<OnlineFeatures<ValuesOf<S>>>
  getOnlineFeatures(request: OnlineRequest): Promise<OnlineFeatures>
  async getOnlineFeatures(request: OnlineRequest): Promise<OnlineFeatures> {
    const [online, bound] = await Promise.all([this.online(), this.onlinePlan(request)])
    const options: { requestContext?: OnlineEntities; now: number } = {
      now: request.now ?? this.ctx.clock.now(),
    }
    if (request.requestContext !== undefined) options.requestContext = request.requestContext
    const result = await readOnlineFeatures(online, bound, request.entities, options)
    await this.materializedCheck.check(bound, result)
    return result
  }

  /**
   * Closes source connections the store opened itself, such as Postgres pools (not injected
   * `connections`, nor the backends).
   */
  async close(): Promise<void> {
    await this.ownConnections?.closeAll()
  }

  private online(): Promise<OnlineStore> {
    const online = this.config.online
    this.onlineStore ??= typeof online === 'function' ? online() : Promise.resolve(online)
    return this.onlineStore
  }

  /** Plans are cached per request shape; the registry is checked once per view and process. */
  private onlinePlan(request: OnlineRequest): Promise<OnlinePlan> {
    const key =
      typeof request.service === 'string'
        ? `s:${request.service}:${request.fullFeatureNames === true}`
        : request.service === undefined && request.features?.every((f) => typeof f === 'string')
          ? `f:${request.features.join('\u0000')}:${request.fullFeatureNames === true}`
          : undefined
    const cached = key === undefined ? undefined : this.onlinePlans.get(key)
    if (cached !== undefined) return cached
    const build = async () => {
      const items = this.catalog.itemsOf(request)
      const service =
        typeof request.service === 'string' ? this.catalog.service(request.service) : request.service
      const plan = planRetrieval(items, {
        ...(request.fullFeatureNames === undefined ? {} : { fullFeatureNames: request.fullFeatureNames }),
        ...(service === undefined ? {} : { service }),
      })
      const hashes = new Map<string, string>()
      for (const { view } of plan.views) hashes.set(view.name, await this.dataHash(view))
      for (const odfv of plan.onDemand) await this.registry.resolve(odfv)
      return planOnline(plan, this.prefix, hashes)
    }
    const promise = build()
    if (key !== undefined) {
      this.onlinePlans.set(key, promise)
      promise.catch(() => this.onlinePlans.delete(key))
    }
    return promise
  }

  private dataHash(view: FeatureView): Promise<string> {
    let hash = this.hashes.get(view.name)
    if (hash === undefined) {
      hash = this.registry.resolve(view).then((v) => v.dataHash ?? '')
      this.hashes.set(view.name, hash)
      hash.catch(() => this.hashes.delete(view.name))
    }
    return hash
  }

  private offlineView(view: FeatureView): OfflineView {
    return openOfflineView(view, {
      engine: this.config.engine,
      registry: this.registry,
      viewData: this.viewData,
      sources: this.sources,
      tracing: this.ctx.tracing,
    })
  }
}

/** Default local work directory of the feature store inside a project. */
export function defaultFeatureWorkDir(root: string): string {
  return join(root, '.strata', 'features')
}
