import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteOnlineStore } from '../../src/backends/online/index.js'
import { DuckDbTableEngine } from '../../src/backends/table/index.js'
import { openMetadataDatabase } from '../../src/db/index.js'
import {
  entity,
  type FeatureStore,
  featureService,
  featureView,
  fileSource,
  onDemandFeature,
} from '../../src/features/index.js'
import { openTestFeatureStore } from './feature-store.js'

/** The `driver` entity of Feast's quickstart. */
export const driver = entity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int' })
/** Hourly driver stats: two drivers, one fresh and one older than the view's 1-day TTL. */
export const driverStats = featureView({
  name: 'driver_hourly_stats',
  entities: [driver],
  source: fileSource({ path: 'drivers.parquet', timestamp: 'event_timestamp' }),
  ttl: '1d',
  features: { conv_rate: 'float', acc_rate: 'float', last_seen: 'timestamp' },
  // The push source of Feast's quickstart: rows pushed under this name land in this view.
  pushSource: 'driver_stats_push_source',
})
/** An on-demand feature with a request-time input. */
export const convRatePlusVal = onDemandFeature({
  name: 'conv_rate_plus_val',
  type: 'float',
  inputs: { features: [driverStats.select('conv_rate')], request: { val_to_add: 'int' } },
  fn: ({ conv_rate, val_to_add }) => (conv_rate ?? 0) + (val_to_add ?? 0),
})
/** A feature service over both. */
export const driverActivity = featureService({
  name: 'driver_activity',
  features: [driverStats.select('conv_rate'), convRatePlusVal],
})

/** A materialized driver feature store (Feast's quickstart shape) and how to close it. */
export interface DriverFeatureStore extends AsyncDisposable {
  store: FeatureStore
  /** The time the store was materialized up to (epoch ms); ask with `now` set to it. */
  now: number
  close(): Promise<void>
}

/**
 * Opens a real feature store (DuckDB offline, SQLite online, SQLite metadata) in a temp
 * directory, applies the driver definitions and materializes them up to 2024-01-02. With
 * `pinClock`, the store's clock stands at that time (lookups that pass no `now`, as serving's).
 */
export async function openDriverFeatureStore(
  options: { pinClock?: boolean } = {},
): Promise<DriverFeatureStore> {
  const now = Date.UTC(2024, 0, 2)
  const engine = await DuckDbTableEngine.open({ threads: 1 })
  const dir = await mkdtemp(join(tmpdir(), 'strata-feast-'))
  await engine.writeParquet(
    `select * from (values
      (1001, timestamp '2024-01-01 23:00:00', 0.7, 0.87, timestamp '2024-01-01 22:59:00'),
      (1002, timestamp '2023-12-01 00:00:00', 0.03, 0.48, timestamp '2023-12-01 00:00:00')) t(driver_id, event_timestamp, conv_rate, acc_rate, last_seen)`,
    join(dir, 'drivers.parquet'),
  )
  const metadata = await openMetadataDatabase({
    dialect: 'sqlite',
    location: join(dir, 'meta.db'),
    url: 'sqlite:t',
  })
  const online = new SqliteOnlineStore({ path: join(dir, 'online.db') })
  const { store } = await openTestFeatureStore(metadata, {
    engine,
    online,
    definitions: [driverStats, convRatePlusVal, driverActivity],
    workDir: join(dir, 'work'),
    root: dir,
    // pinned: online lookups without an explicit `now` happen at the materialized time
    ...(options.pinClock === true ? { context: { now: () => now } } : {}),
  })
  await store.apply()
  await store.materialize({ end: now })
  const close = async () => {
    await online.close()
    await metadata.close()
    await engine.close()
    await rm(dir, { recursive: true, force: true })
  }
  return { store, now, close, [Symbol.asyncDispose]: close }
}
