import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestFeatureStore } from '../../test/support/feature-store.js'
import { MemoryOnlineStore } from '../backends/memory/index.js'
import { RedisOnlineStore, SqliteOnlineStore } from '../backends/online/index.js'
import { DuckDbTableEngine } from '../backends/table/index.js'
import { openMetadataDatabase } from '../db/index.js'
import type { OnlineStore } from '../ports/index.js'
import { describeWithService } from '../testing/services.js'
import { entity, featureView, fileSource } from './definitions/index.js'
import type { FeatureStore } from './feature-store.js'

const driver = entity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int' })
const source = fileSource({ path: 'stats.parquet', timestamp: 'ts' })
const stats = featureView({
  name: 'driver_stats',
  entities: [driver],
  source,
  pushSource: 'driver_push',
  features: { trips: 'int', rating: 'float', seen: 'timestamp' },
})
// A second view of the same push source and entity: one push writes both, in one namespace.
const trips = featureView({
  name: 'driver_trips',
  entities: [driver],
  source,
  pushSource: 'driver_push',
  features: { trips: 'int' },
})
const offlineOnly = featureView({
  name: 'driver_offline',
  entities: [driver],
  source,
  online: false,
  features: { rating: 'float' },
})

const T0 = '2024-05-01T10:00:00Z'
const T1 = '2024-05-02T10:00:00Z'
const T2 = '2024-05-03T10:00:00Z'

/** Pushing through the feature store to one online store implementation, read back online. */
function pushSuite(name: string, create: () => OnlineStore) {
  describe(`FeatureStore.push: ${name}`, () => {
    let engine: DuckDbTableEngine
    let dir: string
    let online: OnlineStore
    let store: FeatureStore
    const prefix = `p${randomBytes(4).toString('hex')}`
    const read = async (ids: number[]) =>
      store.getOnlineFeatures({
        features: ['driver_stats:trips', 'driver_stats:rating', 'driver_stats:seen', 'driver_trips:trips'],
        entities: { driver_id: ids },
        fullFeatureNames: true,
      })

    beforeAll(async () => {
      engine = await DuckDbTableEngine.open({ threads: 1 })
      dir = await mkdtemp(join(tmpdir(), 'strata-push-'))
      await engine.writeParquet(
        `select 1 as driver_id, timestamp '2024-01-01 00:00:00' as ts, 1 as trips, 1.0 as rating, timestamp '2024-01-01' as seen`,
        join(dir, 'stats.parquet'),
      )
      const metadata = await openMetadataDatabase({
        dialect: 'sqlite',
        location: join(dir, 'meta.db'),
        url: 'sqlite:t',
      })
      online = create()
      ;({ store } = await openTestFeatureStore(metadata, {
        engine,
        online,
        definitions: [driver, stats, trips, offlineOnly],
        root: dir,
        namespacePrefix: prefix,
      }))
      await store.apply()
    })
    afterAll(async () => {
      await online.deleteNamespace(`${prefix}:driver_id`)
      await online.close()
      await engine.close()
      await rm(dir, { recursive: true, force: true })
    })

    it(`writes a push source's columns to every view declaring it, latest row per entity (${name})`, async () => {
      const report = await store.push({
        pushSource: 'driver_push',
        rows: {
          driver_id: [1001, 1002, 1001],
          ts: [T1, '2024-05-01 10:00:00', T0],
          trips: [9, 3, 7],
          rating: [4.5, null, 4.0],
          seen: [T1, null, T0],
          created: [null, null, null],
        },
      })
      expect(report).toEqual({
        to: 'online',
        views: [
          { view: 'driver_stats', version: 1, rows: 3, entities: 2, written: 2, skipped: 0 },
          { view: 'driver_trips', version: 1, rows: 3, entities: 2, written: 2, skipped: 0 },
        ],
      })
      const result = await read([1001, 1002, 1003])
      expect(result.rows).toEqual([
        {
          driver_stats__trips: 9,
          driver_stats__rating: 4.5,
          driver_stats__seen: new Date(T1),
          driver_trips__trips: 9,
        },
        {
          driver_stats__trips: 3,
          driver_stats__rating: null,
          driver_stats__seen: null,
          driver_trips__trips: 3,
        },
        {
          driver_stats__trips: null,
          driver_stats__rating: null,
          driver_stats__seen: null,
          driver_trips__trips: null,
        },
      ])
      expect(result.eventTimes[1]?.[0]).toBe(Date.parse(T0))
    })

    it(`never lets an older row replace a newer online value; a newer one replaces (${name})`, async () => {
      const older = await store.push({
        view: 'driver_trips',
        rows: [{ driver_id: 1001, ts: T0, trips: 1 }],
      })
      expect(older.views).toEqual([
        { view: 'driver_trips', version: 1, rows: 1, entities: 1, written: 0, skipped: 1 },
      ])
      const newer = await store.push({
        view: 'driver_trips',
        // Feast's remote online store sends the event time as `event_timestamp`.
        rows: [{ driver_id: '1001', event_timestamp: T2, created: null, trips: 11 }],
      })
      expect(newer.views[0]).toMatchObject({ written: 1, skipped: 0 })
      const result = await read([1001])
      expect(result.rows[0]).toMatchObject({ driver_stats__trips: 9, driver_trips__trips: 11 })
    })

    it(`writes nothing when any row of any target view is invalid (${name})`, async () => {
      const before = await read([1001, 1005])
      const bad = (rows: Record<string, unknown[]>) => store.push({ pushSource: 'driver_push', rows })
      const valid = {
        driver_id: [1005, 1001],
        ts: [T2, T2],
        trips: [5, 6],
        rating: [1, 2],
        seen: [null, null],
      }
      await expect(bad({ ...valid, trips: [5, 'six'] })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(
          /feature "trips" of entity driver_id=1001 \(row 2 of the pushed rows\) is "six", but it is declared int/,
        ),
      })
      await expect(bad({ ...valid, rating: [1, 2.5], seen: [null, 'yesterday'] })).rejects.toMatchObject({
        message: expect.stringMatching(
          /feature "seen" .*row 2.* is "yesterday", but it is declared timestamp/,
        ),
      })
      const { rating: _dropped, ...noRating } = valid
      await expect(bad(noRating)).rejects.toMatchObject({
        message: expect.stringMatching(/row 1 has no column for feature "rating" \(float\)/),
      })
      await expect(bad({ ...valid, ts: [T2, 'soon'] })).rejects.toMatchObject({
        message: expect.stringMatching(/event timestamp "ts" of row 2 is "soon"; give an ISO-8601 time/),
      })
      await expect(bad({ ...valid, driver_id: [1005, null] })).rejects.toMatchObject({
        message: expect.stringMatching(
          /join key "driver_id" of entity driver_id=null \(row 2 of the pushed rows\) is null, but it is declared int/,
        ),
      })
      await expect(bad({ ...valid, tripz: [1, 2] })).rejects.toMatchObject({
        message: expect.stringMatching(
          /pushed column "tripz" belongs to no target view .*valid columns are .*trips/,
        ),
      })
      await expect(bad({ ...valid, trips: [5] })).rejects.toMatchObject({
        message: expect.stringMatching(/pushed column "trips" has 1 values but "driver_id" has 2/),
      })
      expect(await read([1001, 1005])).toEqual(before)
    })

    it(`names what exists for an unknown push source or view, and refuses offline-only views (${name})`, async () => {
      await expect(store.push({ pushSource: 'nope', rows: [] })).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: expect.stringContaining('declared push sources: "driver_push"'),
      })
      await expect(store.push({ view: 'nope', rows: [] })).rejects.toMatchObject({ code: 'NOT_FOUND' })
      await expect(store.push({ view: 'driver_offline', rows: [] })).rejects.toMatchObject({
        code: 'FAILED_PRECONDITION',
        message: expect.stringContaining('offline only'),
      })
      await expect(store.push({ rows: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
      await expect(
        store.push({ view: 'driver_trips', rows: [], to: 'sideways' as 'online' }),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('"online_and_offline"'),
      })
    })

    it(`refuses offline pushes before writing anything (${name})`, async () => {
      const before = await read([1007])
      await expect(
        store.push({
          view: 'driver_trips',
          rows: [{ driver_id: 1007, ts: T2, trips: 1 }],
          to: 'online_and_offline',
        }),
      ).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringContaining('not supported yet') })
      expect(await read([1007])).toEqual(before)
    })
  })
}

pushSuite('memory', () => new MemoryOnlineStore())
pushSuite('sqlite', () => new SqliteOnlineStore({ path: ':memory:' }))
describeWithService('redis', 'FeatureStore.push on Redis', (url) => {
  pushSuite(
    'redis',
    () => new RedisOnlineStore({ url, keyPrefix: `strata-test-${randomBytes(4).toString('hex')}:` }),
  )
})
