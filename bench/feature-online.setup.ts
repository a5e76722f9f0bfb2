/** Shared setup of the online benchmark: the feature store over the generated driver stats. */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { RedisOnlineStore, SqliteOnlineStore } from '../src/backends/online/index.js'
import { DuckDbTableEngine } from '../src/backends/table/index.js'
import { entity, featureView, fileSource } from '../src/features/index.js'
import type { OnlineStore } from '../src/ports/index.js'
import { openBenchFeatureStore } from './feature-store-bench.js'

/** The 10 float features of the bench view. */
export const FEATURES = Array.from({ length: 10 }, (_, j) => `f${j}`)

/** Opens the online store a URL names (`sqlite:<path>` or `redis://…`). */
export function openOnline(url: string, prefix: string): OnlineStore {
  if (url.startsWith('redis')) return new RedisOnlineStore({ url, keyPrefix: `strata-bench-${prefix}:` })
  return new SqliteOnlineStore({ path: url.slice('sqlite:'.length) })
}

/** A feature store over `<dir>/features.parquet` (applied; not materialized). */
export async function openFeatureStoreForBench(
  dir: string,
  onlineUrl: string,
  prefix: string,
  metaPath: string,
) {
  mkdirSync(dir, { recursive: true })
  const engine = await DuckDbTableEngine.open({ threads: 2 })
  const online = openOnline(onlineUrl, prefix)
  const driver = entity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int' })
  const stats = featureView({
    name: 'driver_stats',
    entities: [driver],
    source: fileSource({ path: join(dir, 'features.parquet'), timestamp: 'event_timestamp' }),
    features: Object.fromEntries(FEATURES.map((f) => [f, 'float' as const])),
  })
  const { store, metadata } = await openBenchFeatureStore({
    dir,
    metaPath,
    engine,
    online,
    definitions: [stats],
    namespacePrefix: prefix,
  })
  await store.apply()
  return { store, online, engine, metadata }
}
