import { join } from 'node:path'
import type { TokenStore } from '../access/index.js'
import type { ResolvedConfig } from '../core/config.js'
import type { Principal } from '../core/principal.js'
import type { DataRepository, ServiceContext } from '../data/index.js'
import type { LineageGraphStore } from '../data/lineage/index.js'
import type { MetadataDatabase } from '../db/index.js'
import type { FeatureCatalog, FeatureStore, SourceConnections } from '../features/index.js'
import type { MonitoringService } from '../monitoring/index.js'
import type { PipelineCatalog, PipelineEngine } from '../pipelines/index.js'
import type { BlobStore, Executor, OnlineStore, StepJobHandler, TableEngine } from '../ports/index.js'
import type { ModelRegistry } from '../registry/index.js'
import type { DeliveryService, PayloadStore } from '../serving/index.js'
import type { TrackingStore } from '../tracking/index.js'

/**
 * A project's services acting as one principal. `Strata` is the one for the default
 * principal; {@link StrataServices.as} gives the same project acting as another (the API calls
 * it once per request with the request's principal). Services are built on first use and
 * hold no resources of their own; the backends beneath them are shared and closed with the
 * project.
 */
export interface StrataServices {
  readonly config: ResolvedConfig
  /** Who these services act as: recorded as author, user or actor when a call names nobody. */
  readonly principal: Principal
  /** The metadata database with every domain's migrations applied. */
  metadata(): Promise<MetadataDatabase>
  blobs(): Promise<BlobStore>
  online(): Promise<OnlineStore>
  offline(): Promise<TableEngine>
  /** The lineage graph over every artifact kind (one per project). */
  lineage(): Promise<LineageGraphStore>
  /** The service context every domain service of this scope is built on. */
  context(): Promise<ServiceContext>
  /** Experiments, runs, metrics and artifacts. */
  tracking(): Promise<TrackingStore>
  /** Versioned datasets (commits, branches, diff, merge, fsck, gc). */
  data(): Promise<DataRepository>
  /** Registered models, versions and aliases. */
  registry(): Promise<ModelRegistry>
  /**
   * Progressive delivery: deployments (named endpoints with canary, shadow, sticky A/B and
   * blue-green rollouts of a model's versions), their revisions and recorded decisions.
   *
   * @example
   * await (await strata.delivery()).create('flight-delay', { candidate: 4, guards: ['error_rate<=0.02@200'] })
   */
  delivery(): Promise<DeliveryService>
  /**
   * The feature store over the definitions module named by `features` in the config, acting
   * as this scope's principal (computed views and training sets are its commits). Definitions
   * and source connections (Postgres pools) are loaded once per project and closed with it.
   */
  features(): Promise<FeatureStore>
  /** API tokens (create, list, revoke, verify), recording this scope's principal as creator. */
  tokens(): Promise<TokenStore>
  /**
   * The prediction payload log: every prediction the model server answered (written in
   * batches), queried by time window, endpoint, model version, deployment revision or entity.
   *
   * @example
   * const { records } = await (await strata.payloads()).query({ endpoint: 'delay', from: Date.now() - 3_600_000 })
   */
  payloads(): Promise<PayloadStore>
  /**
   * The pipeline engine over the pipelines module named by `pipelines` in the config, running
   * steps on the configured executor (`local` or BullMQ), acting as this scope's principal.
   *
   * @example
   * const result = await (await strata.pipelines()).run('train', { params: { lr: 0.2 } })
   */
  pipelines(): Promise<PipelineEngine>
  /** The project's pipelines (the `pipelines` module of the config), loaded once per project. */
  pipelineCatalog(): Promise<PipelineCatalog>
  /**
   * Runs one step job of the project's pipelines (TypeScript steps on worker threads, command
   * steps as child processes), as `strata worker` does.
   */
  stepHandler(): Promise<StepJobHandler>
  /**
   * Monitoring: reference profiles of model versions, drift and data-quality checks.
   *
   * @example
   * const ref = await (await strata.monitoring()).references.get('flight-delay', 3)
   */
  monitoring(): Promise<MonitoringService>
  /**
   * The same project acting as `principal`: the way to attribute work to someone else (the
   * API passes each request's principal here). Cheap: backends and the lineage graph are
   * shared; `as` with this scope's own principal object returns this scope.
   *
   * @example
   * const registry = await strata.as({ id: 'ci-bot' }).registry()
   */
  as(principal: Principal): StrataServices
}

/** What every scope of one project shares (built by `openStrata`). */
export interface SharedParts {
  config: ResolvedConfig
  /** Bumped by `close`: services cached before it are over closed backends and built anew. */
  generation(): number
  metadata(): Promise<MetadataDatabase>
  blobs(): Promise<BlobStore>
  online(): Promise<OnlineStore>
  offline(): Promise<TableEngine>
  lineage(): Promise<LineageGraphStore>
  /** The default principal's context; other scopes replace only its principal. */
  context(): Promise<ServiceContext>
  /** The project's feature definitions (the `features` module of the config), loaded once. */
  featureDefinitions(): Promise<FeatureCatalog>
  /** Connections the feature stores' sources open (a Postgres pool per URL), closed with the project. */
  featureConnections(): Promise<SourceConnections>
  /** The project's pipelines (the `pipelines` module of the config), loaded once. */
  pipelineCatalog(): Promise<PipelineCatalog>
  /** The pipeline executor of the config, opened once and closed with the project. */
  executor(): Promise<Executor>
  /**
   * Runs one step job of the project's pipelines (TypeScript steps on worker threads, command
   * steps as child processes): what the local executor and `strata worker` call. Its threads are
   * closed with the project.
   */
  stepHandler(): Promise<StepJobHandler>
}

/** The services of one project acting as `principal`, built on first use and cached in the scope. */
export function scope(shared: SharedParts, principal: Principal): StrataServices {
  const cached = new Map<string, Promise<unknown>>()
  let generation = shared.generation()
  const memo = <T>(key: string, create: () => Promise<T>): Promise<T> => {
    if (generation !== shared.generation()) {
      cached.clear()
      generation = shared.generation()
    }
    let p = cached.get(key) as Promise<T> | undefined
    if (p === undefined) {
      p = create()
      p.catch(() => cached.delete(key))
      cached.set(key, p)
    }
    return p
  }
  const context = () =>
    memo('context', async () => {
      const base = await shared.context()
      return base.principal === principal ? base : { ...base, principal }
    })
  const service = <T>(key: string, create: (ctx: ServiceContext) => Promise<T>) =>
    memo(key, async () => create(await context()))
  const self: StrataServices = {
    config: shared.config,
    principal,
    metadata: shared.metadata,
    blobs: shared.blobs,
    online: shared.online,
    offline: shared.offline,
    lineage: shared.lineage,
    context,
    tracking: () =>
      service('tracking', async (ctx) => {
        const { TrackingStore } = await import('../tracking/index.js')
        return new TrackingStore(ctx)
      }),
    data: () =>
      service('data', async (ctx) => {
        const { DataRepository } = await import('../data/index.js')
        return new DataRepository(ctx, {
          engine: await shared.offline(),
          cacheDir: join(shared.config.root, '.strata', 'cache'),
        })
      }),
    registry: () =>
      service('registry', async (ctx) => {
        const { ModelRegistry } = await import('../registry/index.js')
        return new ModelRegistry(ctx)
      }),
    delivery: () =>
      service('delivery', async (ctx) => {
        const { DeliveryService } = await import('../serving/index.js')
        const { enabled, sampleRate } = shared.config.payloadLog
        const logging = enabled !== false && sampleRate !== 0
        return new DeliveryService(ctx, await self.registry(), logging ? () => self.payloads() : undefined)
      }),
    tokens: () =>
      service('tokens', async (ctx) => {
        const { TokenStore } = await import('../access/index.js')
        return new TokenStore(ctx)
      }),
    payloads: () =>
      service('payloads', async (ctx) => {
        const { PayloadStore } = await import('../serving/index.js')
        return new PayloadStore(ctx)
      }),
    features: () =>
      memo('features', async () => {
        // The definitions first: a project without them fails before any backend is opened.
        const definitions = await shared.featureDefinitions()
        return openFeatureStore(shared, self, await context(), definitions)
      }),
    pipelineCatalog: shared.pipelineCatalog,
    stepHandler: shared.stepHandler,
    pipelines: () =>
      service('pipelines', async (ctx) => {
        const { PipelineEngine } = await import('../pipelines/index.js')
        const [catalog, executor] = await Promise.all([shared.pipelineCatalog(), shared.executor()])
        return new PipelineEngine(ctx, {
          catalog,
          executor,
          resolveDataset: async (dataset, ref) => (await (await self.data()).resolve(dataset, ref)).id,
          data: () => self.data(),
        })
      }),
    monitoring: () =>
      service('monitoring', async (ctx) => {
        const { MonitoringService } = await import('../monitoring/index.js')
        const startPipeline =
          shared.config.pipelines === undefined
            ? undefined
            : async (pipeline: string, params: Record<string, unknown>, fireKey: string) => {
                // One run per incident, even across processes (the firing key is unique).
                const engine = await self.pipelines()
                const run = await engine.startFired(
                  pipeline,
                  { triggerId: 'monitor', fireKey },
                  { params, tags: { 'strata.monitor.incident': fireKey } },
                )
                if (run === undefined)
                  return { runId: '(already started for this incident)', status: 'skipped' }
                const result = await engine.drive(run.runId)
                return { runId: run.runId, status: result.run.status }
              }
        return new MonitoringService(ctx, {
          registry: await self.registry(),
          engine: await shared.offline(),
          data: () => self.data(),
          payloads: () => self.payloads(),
          delivery: () => self.delivery(),
          ...(startPipeline === undefined ? {} : { startPipeline, pipelines: () => self.pipelines() }),
        })
      }),
    as: (other) => (other === principal ? self : scope(shared, other)),
  }
  return self
}

/** A scope's feature store: over its own context and data repository, the project's definitions and connections. */
async function openFeatureStore(
  shared: SharedParts,
  scope: StrataServices,
  ctx: ServiceContext,
  definitions: FeatureCatalog,
): Promise<FeatureStore> {
  const root = shared.config.root
  const [{ FeatureStore, defaultFeatureWorkDir }, { default: pg }] = await Promise.all([
    import('../features/index.js'),
    import('pg'),
  ])
  const [engine, repository, connections] = await Promise.all([
    shared.offline(),
    scope.data(),
    shared.featureConnections(),
  ])
  return new FeatureStore(ctx, {
    engine,
    online: () => shared.online(),
    repository,
    definitions,
    workDir: defaultFeatureWorkDir(root),
    root,
    postgres: (url) => new pg.Pool({ connectionString: url, max: 4 }),
    connections,
  })
}
