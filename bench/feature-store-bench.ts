/** The feature store of the feature benchmarks, composed as `openStrata` composes it. */
import { join } from 'node:path'
import pg from 'pg'
import { FsBlobStore } from '../src/backends/blob/index.js'
import { MemoryOnlineStore } from '../src/backends/memory/index.js'
import { systemClock } from '../src/core/clock.js'
import { silentTracing } from '../src/core/tracing.js'
import { DataRepository } from '../src/data/index.js'
import { type MetadataDatabase, openMetadataDatabase, runMigrations } from '../src/db/index.js'
import { FeatureStore } from '../src/features/index.js'
import { createServiceContext } from '../src/platform/index.js'
import { ALL_MIGRATIONS } from '../src/platform/migrations.js'
import type { OnlineStore, TableEngine } from '../src/ports/index.js'

/** Options of {@link openBenchFeatureStore}. */
export interface BenchFeatureStoreOptions {
  /** Holds the blobs (`blobs/`), the repository cache (`cache/`) and the work directory (`work/`). */
  dir: string
  /** The SQLite metadata database (kept between trials, so computed views are reused). */
  metaPath: string
  engine: TableEngine
  definitions: Iterable<unknown>
  /** Default: in memory. */
  online?: OnlineStore
  namespacePrefix?: string
  /** Project root for relative file-source paths (default `dir`). */
  root?: string
}

/**
 * A feature store over SQLite metadata and filesystem blobs, with the project's migrations
 * applied (computed views are committed to the data repository, as in a project).
 */
export async function openBenchFeatureStore(
  options: BenchFeatureStoreOptions,
): Promise<{ store: FeatureStore; metadata: MetadataDatabase }> {
  const metadata = await openMetadataDatabase({
    dialect: 'sqlite',
    location: options.metaPath,
    url: 'sqlite:bench',
  })
  await runMigrations(metadata, ALL_MIGRATIONS)
  const ctx = createServiceContext({
    metadata,
    blobs: new FsBlobStore({ root: join(options.dir, 'blobs') }),
    principal: { id: 'bench' },
    clock: systemClock,
    tracing: silentTracing,
  })
  const repository = new DataRepository(ctx, { engine: options.engine, cacheDir: join(options.dir, 'cache') })
  const store = new FeatureStore(ctx, {
    engine: options.engine,
    online: options.online ?? new MemoryOnlineStore(),
    repository,
    definitions: options.definitions,
    workDir: join(options.dir, 'work'),
    root: options.root ?? options.dir,
    postgres: (url) => new pg.Pool({ connectionString: url, max: 4 }),
    ...(options.namespacePrefix === undefined ? {} : { namespacePrefix: options.namespacePrefix }),
  })
  return { store, metadata }
}
