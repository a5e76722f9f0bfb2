import { join } from 'node:path'
import type { BackendSetting, ResolvedConfig, StrataConfig } from '../core/config.js'
import { resolveConfig } from '../core/config.js'
import type { DataRepository } from '../data/index.js'
import { LineageGraphStore } from '../data/lineage/index.js'
import { type MetadataDatabase, runMigrations } from '../db/index.js'
import type { FeatureStore } from '../features/index.js'
import type { BlobStore, OnlineStore, TableEngine } from '../ports/index.js'
import type { ModelRegistry } from '../registry/index.js'
import type { TrackingStore } from '../tracking/index.js'
import { type BackendTypes, openBackend } from './backend-registry.js'
import { loadConfig } from './load-config.js'
import { ALL_MIGRATIONS } from './migrations.js'

/** Options for {@link openStrata}. */
export interface OpenStrataOptions {
  /** Directory to find the project from (default `process.cwd()`). */
  cwd?: string
  /** Use this config instead of loading `strata.config.*` (the root is then `cwd`). */
  config?: StrataConfig
  /** Environment for `STRATA_*_URL` overrides (default `process.env`). */
  env?: Record<string, string | undefined>
}

/**
 * The composition root: a project's resolved config and its backends, each opened lazily on
 * first use (so a command only needs the drivers it touches) and closed by {@link Strata.close}.
 */
export interface Strata extends AsyncDisposable {
  readonly config: ResolvedConfig
  /** The metadata database with every domain's migrations applied. */
  metadata(): Promise<MetadataDatabase>
  blobs(): Promise<BlobStore>
  online(): Promise<OnlineStore>
  offline(): Promise<TableEngine>
  /** The lineage graph over every artifact kind. */
  lineage(): Promise<LineageGraphStore>
  /** Experiments, runs, metrics and artifacts. */
  tracking(): Promise<TrackingStore>
  /** Versioned datasets (commits, branches, diff, merge, fsck, gc). */
  data(): Promise<DataRepository>
  /** Registered models, versions and aliases. */
  registry(): Promise<ModelRegistry>
  /**
   * The feature store over the definitions module named by `features` in the config (no
   * definitions when unset); closed with the project.
   */
  features(): Promise<FeatureStore>
  /** Opens a backend without side effects (no migrations): used by `strata doctor`. */
  openRaw<S extends BackendSetting>(setting: S): Promise<BackendTypes[S]>
  close(): Promise<void>
}

/**
 * Opens a Strata project.
 *
 * @example
 * await using strata = await openStrata()
 * const blobs = await strata.blobs()
 */
export async function openStrata(options: OpenStrataOptions = {}): Promise<Strata> {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  const config =
    options.config === undefined
      ? await loadConfig({ cwd, env })
      : resolveConfig(options.config, { root: cwd, env })
  const opened: { close(): Promise<void> }[] = []
  const cache = new Map<string, Promise<unknown>>()

  const once = <T>(key: string, open: () => Promise<T>): Promise<T> => {
    let p = cache.get(key) as Promise<T> | undefined
    if (p === undefined) {
      p = open().then((value) => {
        opened.push(value as { close(): Promise<void> })
        return value
      })
      // A failed open can be retried (the server may come back).
      p.catch(() => cache.delete(key))
      cache.set(key, p)
    }
    return p
  }
  // Domain services hold no resources of their own: cached, never closed.
  const services = new Map<string, Promise<unknown>>()
  const service = <T>(key: string, create: () => Promise<T>): Promise<T> => {
    let p = services.get(key) as Promise<T> | undefined
    if (p === undefined) {
      p = create()
      p.catch(() => services.delete(key))
      services.set(key, p)
    }
    return p
  }
  const backend = <S extends BackendSetting>(setting: S) =>
    once(setting, () => openBackend(setting, config[setting], config.root))

  const strata: Strata = {
    config,
    metadata: () =>
      once('metadata:migrated', async () => {
        const md = await openBackend('metadata', config.metadata, config.root)
        try {
          await runMigrations(md, ALL_MIGRATIONS)
        } catch (err) {
          await md.close()
          throw err
        }
        return md
      }),
    blobs: () => backend('blobs'),
    online: () => backend('online'),
    offline: () => backend('offline'),
    lineage: () => service('lineage', async () => new LineageGraphStore(await strata.metadata())),
    tracking: () =>
      service('tracking', async () => {
        const { TrackingStore } = await import('../tracking/index.js')
        return new TrackingStore({
          metadata: await strata.metadata(),
          blobs: await strata.blobs(),
          lineage: await strata.lineage(),
        })
      }),
    data: () =>
      service('data', async () => {
        const { DataRepository } = await import('../data/index.js')
        return new DataRepository({
          metadata: await strata.metadata(),
          blobs: await strata.blobs(),
          engine: await strata.offline(),
          lineage: await strata.lineage(),
          cacheDir: join(config.root, '.strata', 'cache'),
        })
      }),
    registry: () =>
      service('registry', async () => {
        const { ModelRegistry } = await import('../registry/index.js')
        return new ModelRegistry({
          metadata: await strata.metadata(),
          blobs: await strata.blobs(),
          lineage: await strata.lineage(),
        })
      }),
    features: () =>
      once('features', async () => {
        const [{ FeatureStore, defaultFeatureWorkDir, loadFeatureDefinitions }, { default: pg }] =
          await Promise.all([import('../features/index.js'), import('pg')])
        const [metadata, engine, lineage, repository, definitions] = await Promise.all([
          strata.metadata(),
          strata.offline(),
          strata.lineage(),
          strata.data(),
          loadFeatureDefinitions(config.root, config.features),
        ])
        return new FeatureStore({
          metadata,
          engine,
          online: () => strata.online(),
          repository,
          lineage,
          definitions,
          workDir: defaultFeatureWorkDir(config.root),
          root: config.root,
          postgres: (url) => new pg.Pool({ connectionString: url, max: 4 }),
        })
      }),
    openRaw: (setting) => openBackend(setting, config[setting], config.root),
    close: async () => {
      const all = opened.splice(0).reverse()
      cache.clear()
      services.clear()
      await Promise.allSettled(all.map((b) => b.close()))
    },
    [Symbol.asyncDispose]: () => strata.close(),
  }
  return strata
}
