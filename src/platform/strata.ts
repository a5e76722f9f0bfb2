import { join } from 'node:path'
import { type Clock, systemClock } from '../core/clock.js'
import type { BackendSetting, ResolvedConfig, StrataConfig } from '../core/config.js'
import { resolveConfig } from '../core/config.js'
import type { Principal } from '../core/principal.js'
import { createTracing, type Tracing } from '../core/tracing.js'
import type { DataRepository, ServiceContext } from '../data/index.js'
import { LineageGraphStore } from '../data/lineage/index.js'
import { type MetadataDatabase, runMigrations } from '../db/index.js'
import type { FeatureStore } from '../features/index.js'
import type { BlobStore, OnlineStore, TableEngine } from '../ports/index.js'
import type { ModelRegistry } from '../registry/index.js'
import type { TrackingStore } from '../tracking/index.js'
import { type BackendTypes, openBackend } from './backend-registry.js'
import { defaultPrincipal } from './default-principal.js'
import { loadConfig } from './load-config.js'
import { ALL_MIGRATIONS } from './migrations.js'
import { createServiceContext } from './service-context.js'

/** Options for {@link openStrata}. */
export interface OpenStrataOptions {
  /** Directory to find the project from (default `process.cwd()`). */
  cwd?: string
  /** Use this config instead of loading `strata.config.*` (the root is then `cwd`). */
  config?: StrataConfig
  /**
   * Environment for `STRATA_*_URL` overrides, the default principal (`STRATA_USER`, see
   * {@link defaultPrincipal}) and debug timing (`STRATA_DEBUG`); default `process.env`.
   */
  env?: Record<string, string | undefined>
  /** Who acts by default (default: {@link defaultPrincipal} of `env`). */
  principal?: Principal
  /** The time source of every service (default the wall clock). */
  clock?: Clock
  /** Debug timing (default: the areas listed in `STRATA_DEBUG`, written to stderr). */
  tracing?: Tracing
}

/**
 * A project's services acting as one principal. {@link Strata} is the one for the default
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
   * The feature store over the definitions module named by `features` in the config (no
   * definitions when unset); one per project, closed with it.
   */
  features(): Promise<FeatureStore>
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

/**
 * The composition root: a project's resolved config and its backends, each opened lazily on
 * first use (so a command only needs the drivers it touches) and closed by {@link Strata.close}.
 * The only place that builds domain services.
 */
export interface Strata extends StrataServices, AsyncDisposable {
  /** Opens a backend without side effects (no migrations): used by `strata doctor`. */
  openRaw<S extends BackendSetting>(setting: S): Promise<BackendTypes[S]>
  close(): Promise<void>
}

/**
 * Opens a Strata project.
 *
 * @example
 * await using strata = await openStrata()
 * const tracking = await strata.tracking()
 */
export async function openStrata(options: OpenStrataOptions = {}): Promise<Strata> {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  const config =
    options.config === undefined
      ? await loadConfig({ cwd, env })
      : resolveConfig(options.config, { root: cwd, env })
  const clock = options.clock ?? systemClock
  const tracing =
    options.tracing ?? createTracing({ areas: env.STRATA_DEBUG, write: (line) => process.stderr.write(line) })
  const opened: { close(): Promise<void> }[] = []
  const cache = new Map<string, Promise<unknown>>()
  const once = <T>(key: string, open: () => Promise<T>, closes = true): Promise<T> => {
    let p = cache.get(key) as Promise<T> | undefined
    if (p === undefined) {
      p = open().then((value) => {
        if (closes) opened.push(value as { close(): Promise<void> })
        return value
      })
      // A failed open can be retried (the server may come back).
      p.catch(() => cache.delete(key))
      cache.set(key, p)
    }
    return p
  }
  const backend = <S extends BackendSetting>(setting: S) =>
    once(setting, () => openBackend(setting, config[setting], config.root))

  const metadata = () =>
    once('metadata:migrated', async () => {
      const md = await openBackend('metadata', config.metadata, config.root)
      try {
        await runMigrations(md, ALL_MIGRATIONS)
      } catch (err) {
        await md.close()
        throw err
      }
      return md
    })
  // The context and the services on it hold no resources of their own: cached, never closed.
  const lineage = () => once('lineage', async () => new LineageGraphStore(await metadata(), clock), false)
  const base = options.principal ?? defaultPrincipal(env)
  let generation = 0
  const shared: SharedParts = {
    config,
    generation: () => generation,
    metadata,
    blobs: () => backend('blobs'),
    online: () => backend('online'),
    offline: () => backend('offline'),
    lineage,
    context: () =>
      once(
        'context',
        async () => {
          const [md, blobs, graph] = await Promise.all([metadata(), backend('blobs'), lineage()])
          return createServiceContext({
            metadata: md,
            blobs,
            lineage: graph,
            principal: base,
            clock,
            tracing,
          })
        },
        false,
      ),
    features: () => once('features', () => openFeatureStore(shared, root)),
  }
  const root = scope(shared, base)
  const strata: Strata = {
    ...root,
    openRaw: (setting) => openBackend(setting, config[setting], config.root),
    close: async () => {
      const all = opened.splice(0).reverse()
      cache.clear()
      generation++
      await Promise.allSettled(all.map((b) => b.close()))
    },
    [Symbol.asyncDispose]: () => strata.close(),
  }
  return strata
}

/** What every scope of one project shares. */
interface SharedParts {
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
  features(): Promise<FeatureStore>
}

/** The services of one project acting as `principal`, built on first use and cached in the scope. */
function scope(shared: SharedParts, principal: Principal): StrataServices {
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
    // The feature store records no principal yet: one per project, shared by every scope.
    features: shared.features,
    as: (other) => (other === principal ? self : scope(shared, other)),
  }
  return self
}

/** The project's feature store over the default scope's repository and lineage graph. */
async function openFeatureStore(shared: SharedParts, root: StrataServices): Promise<FeatureStore> {
  const config = shared.config
  const [{ FeatureStore, defaultFeatureWorkDir, loadFeatureDefinitions }, { default: pg }] =
    await Promise.all([import('../features/index.js'), import('pg')])
  const [metadata, engine, lineage, repository, definitions] = await Promise.all([
    shared.metadata(),
    shared.offline(),
    shared.lineage(),
    root.data(),
    loadFeatureDefinitions(config.root, config.features),
  ])
  return new FeatureStore({
    metadata,
    engine,
    online: () => shared.online(),
    repository,
    lineage,
    definitions,
    workDir: defaultFeatureWorkDir(config.root),
    root: config.root,
    postgres: (url) => new pg.Pool({ connectionString: url, max: 4 }),
  })
}
