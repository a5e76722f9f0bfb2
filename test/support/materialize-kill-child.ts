/**
 * The subprocess of `src/features/materialize-atomic.test.ts`, and the fixture both share: two
 * feature views over two local Parquet files, with different join keys (so two online
 * namespaces). The child materializes generation after generation — every value of both views
 * is the generation number, at a newer event time each time — and prints `start g`,
 * `write g` (as the online write begins) and `done g`, so the parent can SIGKILL it anywhere.
 * Run through jiti; configured by the environment variables below.
 */
import { rename } from 'node:fs/promises'
import { join } from 'node:path'
// The file store alone: the blob index would also load the S3 client into every child.
import { FsBlobStore } from '../../src/backends/blob/fs-blob-store.js'
import { RedisOnlineStore, SqliteOnlineStore } from '../../src/backends/online/index.js'
import { DuckDbTableEngine } from '../../src/backends/table/index.js'
import { type MetadataDatabase, openMetadataDatabase } from '../../src/db/index.js'
import { entity, featureView, fileSource } from '../../src/features/index.js'
import type { OnlineStore, TableEngine } from '../../src/ports/index.js'
import { openTestFeatureStore, type TestFeatureStore } from './feature-store.js'

/** Entities per view. */
export const KILL_ENTITIES = 1500

const user = entity({ name: 'user', joinKeys: ['user_id'] })
const item = entity({ name: 'item', joinKeys: ['item_id'], valueType: 'int' })

/** The two views: every value of a generation is the generation number. */
export const killViews = [
  featureView({
    name: 'user_gen',
    entities: [user],
    source: fileSource({ path: 'users.parquet', timestamp: 'ts' }),
    features: { gen: 'int' },
  }),
  featureView({
    name: 'item_gen',
    entities: [item],
    source: fileSource({ path: 'items.parquet', timestamp: 'ts' }),
    features: { gen: 'int', label: 'string' },
  }),
]

/** Which online store the fixture uses. */
export type KillBackend = { kind: 'sqlite' } | { kind: 'redis'; url: string; keyPrefix: string }

/** The online store of the fixture in `dir`. */
export function openKillOnline(dir: string, backend: KillBackend): OnlineStore {
  return backend.kind === 'sqlite'
    ? new SqliteOnlineStore({ path: join(dir, 'online.db') })
    : new RedisOnlineStore({ url: backend.url, keyPrefix: backend.keyPrefix })
}

/** The fixture's feature store over `dir` (metadata in `meta.db`). */
export async function openKillStore(
  dir: string,
  engine: TableEngine,
  online: OnlineStore,
): Promise<TestFeatureStore & { metadata: MetadataDatabase }> {
  const metadata = await openMetadataDatabase({
    dialect: 'sqlite',
    location: join(dir, 'meta.db'),
    url: 'sqlite:kill',
  })
  const opened = await openTestFeatureStore(metadata, {
    engine,
    online,
    definitions: killViews,
    root: dir,
    workDir: join(dir, 'work'),
    // On disk: the computed views are commits whose objects the next process reads.
    context: { blobs: new FsBlobStore({ root: join(dir, 'blobs') }) },
  })
  return { ...opened, metadata }
}

/**
 * Writes generation `gen` of both sources (written aside and renamed, so a kill never leaves a
 * torn file). `badItem` puts a fractional `gen` on that item, which materialization rejects.
 */
export async function writeGeneration(
  engine: TableEngine,
  dir: string,
  gen: number,
  badItem?: number,
): Promise<void> {
  const ts = `TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (${gen}) HOUR`
  const users = join(dir, `users-${gen}.tmp.parquet`)
  const items = join(dir, `items-${gen}.tmp.parquet`)
  await engine.writeParquet(
    `SELECT 'u' || i AS user_id, ${ts} AS ts, ${gen} AS gen FROM range(${KILL_ENTITIES}) r(i)`,
    users,
  )
  const itemGen =
    badItem === undefined ? `${gen}` : `CASE WHEN i = ${badItem} THEN ${gen} + 0.5 ELSE ${gen} END`
  await engine.writeParquet(
    `SELECT i AS item_id, ${ts} AS ts, ${itemGen} AS gen, 'g' || ${gen} AS label FROM range(${KILL_ENTITIES}) r(i)`,
    items,
  )
  await rename(users, join(dir, 'users.parquet'))
  await rename(items, join(dir, 'items.parquet'))
}

/** Runs the materialize loop until killed (or `KILL_CHILD_GENERATIONS` generations are done). */
export async function runMaterializeKillChild(): Promise<void> {
  const dir = process.env.KILL_CHILD_DIR as string
  const backend = JSON.parse(process.env.KILL_CHILD_BACKEND as string) as KillBackend
  let gen = Number(process.env.KILL_CHILD_START_GEN ?? 1)
  const limit = gen + Number(process.env.KILL_CHILD_GENERATIONS ?? Number.POSITIVE_INFINITY)
  const engine = await DuckDbTableEngine.open({ threads: 1 })
  const online = openKillOnline(dir, backend)
  // Announces the online write, so the parent can aim its kill inside it.
  const writeAtomic = online.writeAtomic.bind(online)
  online.writeAtomic = (batches) => {
    process.stdout.write(`write ${gen}\n`)
    return writeAtomic(batches)
  }
  const { store, metadata } = await openKillStore(dir, engine, online)
  await store.apply()
  process.stdout.write('ready\n')
  for (; gen < limit; gen++) {
    process.stdout.write(`start ${gen}\n`)
    await writeGeneration(engine, dir, gen)
    await store.materialize()
    process.stdout.write(`done ${gen}\n`)
  }
  await online.close()
  await engine.close()
  await metadata.close()
}
