/** Shared setup of the online benchmark: the feature store over the generated driver stats. */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { RedisOnlineStore, SqliteOnlineStore } from '../src/backends/online/index.js'
import { DuckDbTableEngine } from '../src/backends/table/index.js'
import { entity, featureView, fileSource } from '../src/features/index.js'
import type { OnlineStore } from '../src/ports/index.js'
import { openBenchFeatureStore } from './feature-store-bench.js'

/** The 10 float features of the bench view. */
export const FEATURES = Array.from({ length: 10 }, (_, j) => `f${j}`)

/**
 * Writes `<dir>/features.parquet` once: `entities` drivers × 10 hourly rows of the 10 float
 * features (deterministic values), the source of the bench view. Kept when it exists.
 */
export async function generateDriverStats(dir: string, entities: number): Promise<void> {
  mkdirSync(dir, { recursive: true })
  if (existsSync(join(dir, 'features.parquet'))) return
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  const cols = FEATURES.map((f, j) => `round((hash(i * 10 + ${j}) % 100000) / 100000.0, 5)::DOUBLE AS ${f}`)
  await c.run(`COPY (SELECT (i % ${entities})::BIGINT AS driver_id,
    TIMESTAMP '2024-01-01' + to_milliseconds((i // ${entities}) * 3600000) AS event_timestamp, ${cols.join(', ')}
    FROM range(${entities * 10}) t(i)) TO '${dir}/features.parquet' (FORMAT parquet)`)
  c.closeSync()
  db.closeSync()
}

/**
 * 500 deterministic `get-online-features` bodies (Feast's JSON) of `batch` pseudo-random driver
 * ids below `entities`, all 10 features of the view.
 */
export function onlineRequestBodies(batch: number, entities: number): string[] {
  const out: string[] = []
  let x = 12345 + batch
  for (let i = 0; i < 500; i++) {
    const ids: number[] = []
    for (let j = 0; j < batch; j++) {
      x = (x * 1103515245 + 12345) % 2 ** 31
      ids.push(x % entities)
    }
    out.push(
      JSON.stringify({ features: FEATURES.map((f) => `driver_stats:${f}`), entities: { driver_id: ids } }),
    )
  }
  return out
}

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
