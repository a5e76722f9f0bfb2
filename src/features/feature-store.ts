import { join } from 'node:path'
import type { Kysely } from 'kysely'
import { StrataError } from '../core/errors.js'
import type { LineageGraphStore } from '../data/lineage/index.js'
import type { MetadataDatabase } from '../db/index.js'
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
  type SourceContext,
  type ValuesOf,
} from './definitions/index.js'
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
  type MaterializeOptions,
  type MaterializeReport,
  materializeViews,
  type OnlineEntities,
  type OnlineFeatures,
  type OnlinePlan,
  planOnline,
  readOnlineFeatures,
} from './online/index.js'

/** Options of {@link FeatureStore}. */
export interface FeatureStoreConfig {
  metadata: MetadataDatabase
  /** DuckDB: computes views and point-in-time joins. */
  engine: TableEngine
  /** The online store, or a function opening it on first use. */
  online?: OnlineStore | (() => Promise<OnlineStore>)
  /** Versioned datasets: sources, computed views and saved training sets live here. */
  repository?: FeatureDataRepository
  lineage?: LineageGraphStore
  /** The project's definitions: a catalog, a module namespace, or a list. */
  definitions: FeatureCatalog | Iterable<unknown> | Record<string, unknown>
  /** Local cache and scratch directory (e.g. `.strata/features`). */
  workDir: string
  /** Project root for relative file-source paths (default the working directory). */
  root?: string
  /** Online namespace prefix (default `features`); use one per project sharing a store. */
  namespacePrefix?: string
  /** Dataset of computed views (default `feature-views`). */
  featureDataset?: string
  /** Dataset of saved training sets (default `training-sets`). */
  trainingSetDataset?: string
  /** Opens a connection pool for a Postgres source URL (e.g. `(url) => new pg.Pool({ connectionString: url })`). */
  postgres?: (url: string) => PostgresSourcePool
  /** Environment for Postgres source URLs (default `process.env`). */
  env?: Record<string, string | undefined>
}

/** Online request: features or a service, and entity rows (objects or Feast-style columns). */
export interface OnlineRequest {
  features?: readonly (string | ServiceItem)[]
  service?: FeatureService | string
  entities: OnlineEntities
  /** Request-time values for on-demand features (else read from `entities`). */
  requestContext?: OnlineEntities
  fullFeatureNames?: boolean
  /** Clock for ttl checks (epoch ms; default now). */
  now?: number
}

/**
 * The feature store: definitions in code, versions in the metadata database, feature data as
 * dataset commits, point-in-time training sets in DuckDB (or Postgres), and the latest values
 * in the online store.
 *
 * @example
 * const store = new FeatureStore({ metadata, engine, online, repository, lineage, definitions: await import('./features.ts'), workDir: '.strata/features' })
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
  /** Connections opened by source adapters (Postgres pools); closed by {@link close}. */
  private readonly connections = new SourceConnectionCache()
  private readonly hashes = new Map<string, Promise<string>>()
  private readonly onlinePlans = new Map<string, Promise<OnlinePlan>>()
  private onlineStore: Promise<OnlineStore> | undefined

  constructor(private readonly config: FeatureStoreConfig) {
    this.catalog =
      config.definitions instanceof FeatureCatalog
        ? config.definitions
        : FeatureCatalog.from(config.definitions)
    this.registry = new FeatureRegistry(config.metadata)
    this.db = config.metadata.db.withTables<FeatureTables>()
    this.prefix = config.namespacePrefix ?? 'features'
    this.sources = {
      engine: config.engine,
      repository: config.repository,
      root: config.root ?? process.cwd(),
      env: config.env ?? process.env,
      postgres: config.postgres,
      connections: this.connections,
    }
    this.viewData = new ViewDataStore({
      sources: this.sources,
      metadata: config.metadata,
      registry: this.registry,
      lineage: config.lineage,
      workDir: config.workDir,
      dataset: config.featureDataset ?? 'feature-views',
    })
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
    const result = await this.registry.apply(this.catalog, options)
    this.hashes.clear()
    this.onlinePlans.clear()
    const warnings = await recordDefinedViewVersions(
      result.registered,
      this.catalog,
      this.config.repository,
      this.config.lineage,
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
        context: {
          engine: this.config.engine,
          db: this.db,
          repository: this.config.repository,
          lineage: this.config.lineage,
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
      },
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
    const options: { requestContext?: OnlineEntities; now?: number } = {}
    if (request.requestContext !== undefined) options.requestContext = request.requestContext
    if (request.now !== undefined) options.now = request.now
    return readOnlineFeatures(online, bound, request.entities, options)
  }

  /** Closes source connections opened by the store, such as Postgres pools (not the injected backends). */
  close(): Promise<void> {
    return this.connections.closeAll()
  }

  private online(): Promise<OnlineStore> {
    const online = this.config.online
    if (online === undefined) {
      return Promise.reject(
        new StrataError('FAILED_PRECONDITION', 'the feature store has no online store configured'),
      )
    }
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
    })
  }
}

/** Default local work directory of the feature store inside a project. */
export function defaultFeatureWorkDir(root: string): string {
  return join(root, '.strata', 'features')
}
