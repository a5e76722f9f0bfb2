import { mkdir, mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { MemoryOnlineStore } from '../../src/backends/memory/index.js'
import {
  DataRepository,
  dataMigrations,
  lineageMigrations,
  type ServiceContext,
} from '../../src/data/index.js'
import { type MetadataDatabase, runMigrations } from '../../src/db/index.js'
import {
  type FeatureCatalog,
  FeatureStore,
  type FeatureStoreConfig,
  featuresMigrations,
} from '../../src/features/index.js'
import type { OnlineStore, TableEngine } from '../../src/ports/index.js'
import { type TestServiceContextOptions, testServiceContext } from './service-context.js'

/** Options of {@link openTestFeatureStore}. */
export interface TestFeatureStoreOptions
  extends Partial<Pick<FeatureStoreConfig, 'postgres' | 'env' | 'namespacePrefix'>> {
  engine: TableEngine
  definitions: FeatureCatalog | Iterable<unknown> | Record<string, unknown>
  /** Project root: relative file-source paths resolve against it; the repository's cache goes under it. */
  root: string
  /** Default: a new directory under `root`. */
  workDir?: string
  /** Default: a fresh in-memory online store. */
  online?: OnlineStore
  /** The service context's parts (principal, clock, tracing, blobs). */
  context?: TestServiceContextOptions
}

/** A test feature store and the parts it is built on. */
export interface TestFeatureStore {
  store: FeatureStore
  ctx: ServiceContext
  repository: DataRepository
}

/**
 * A feature store as `openStrata` composes it, over `metadata` (the lineage, data and feature
 * migrations are applied): a test service context, a data repository on that context with its
 * own cache directory under `root`, and Postgres pools from `pg` unless `postgres` is given.
 *
 * @example
 * const { store } = await openTestFeatureStore(metadata, { engine, definitions: [stats], root: dir })
 */
export async function openTestFeatureStore(
  metadata: MetadataDatabase,
  options: TestFeatureStoreOptions,
): Promise<TestFeatureStore> {
  await runMigrations(metadata, [...lineageMigrations, ...dataMigrations, ...featuresMigrations])
  const ctx = testServiceContext(metadata, options.context)
  await mkdir(options.root, { recursive: true })
  // A cache of its own: the stat cache maps local files to objects of this repository's blobs.
  const cacheDir = await mkdtemp(join(options.root, '.repo-cache-'))
  const repository = new DataRepository(ctx, { engine: options.engine, cacheDir })
  const workDir = options.workDir ?? (await mkdtemp(join(options.root, '.features-')))
  const config: FeatureStoreConfig = {
    engine: options.engine,
    online: options.online ?? new MemoryOnlineStore(),
    repository,
    definitions: options.definitions,
    workDir,
    root: options.root,
    postgres: options.postgres ?? ((url) => new pg.Pool({ connectionString: url, max: 4 })),
  }
  if (options.env !== undefined) config.env = options.env
  if (options.namespacePrefix !== undefined) config.namespacePrefix = options.namespacePrefix
  return { store: new FeatureStore(ctx, config), ctx, repository }
}
