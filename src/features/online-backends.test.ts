import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisOnlineStore, SqliteOnlineStore } from '../backends/online/index.js'
import { DuckDbTableEngine } from '../backends/table/index.js'
import { openMetadataDatabase, runMigrations } from '../db/index.js'
import type { OnlineStore } from '../ports/index.js'
import { describeWithService } from '../testing/services.js'
import { entity, featuresMigrations, featureView, fileSource } from './definitions/index.js'
import { FeatureStore } from './feature-store.js'

const origin = entity({ name: 'airport', joinKeys: ['origin'] })
const route = entity({ name: 'route', joinKeys: ['origin', 'destination'] })
const source = fileSource({ path: 'flights.parquet', timestamp: 'ts' })
const byAirport = featureView({
  name: 'by_airport',
  entities: [origin],
  source,
  ttl: '1h',
  features: { delay: 'int' },
})
const byAirport2 = featureView({
  name: 'by_airport_2',
  entities: [origin],
  source,
  sql: 'select origin, ts, delay * 2.5 as scaled from source',
  features: { scaled: 'float' },
})
const byRoute = featureView({ name: 'by_route', entities: [route], source, features: { distance: 'int' } })
const T = Date.UTC(2024, 3, 1, 12)

/** Materialization and online retrieval through one online store implementation. */
function onlineSuite(name: string, create: () => OnlineStore) {
  describe(`FeatureStore online retrieval: ${name}`, () => {
    let engine: DuckDbTableEngine
    let dir: string
    let online: OnlineStore
    let store: FeatureStore
    const prefix = `t${randomBytes(4).toString('hex')}`
    beforeAll(async () => {
      engine = await DuckDbTableEngine.open({ threads: 1 })
      dir = await mkdtemp(join(tmpdir(), 'strata-online-'))
      await engine.writeParquet(
        `select * from (values
          ('SFO', 'JFK', timestamp '2024-04-01 11:30:00', 12, 2586),
          ('SFO', 'LAX', timestamp '2024-04-01 10:00:00', 40, 337),
          ('JFK', 'SFO', timestamp '2024-04-01 09:00:00', -3, 2586)) t(origin, destination, ts, delay, distance)`,
        join(dir, 'flights.parquet'),
      )
      const metadata = await openMetadataDatabase({
        dialect: 'sqlite',
        location: join(dir, 'meta.db'),
        url: 'sqlite:t',
      })
      await runMigrations(metadata, featuresMigrations)
      online = create()
      store = new FeatureStore({
        metadata,
        engine,
        online,
        definitions: [byAirport, byAirport2, byRoute],
        workDir: join(dir, 'work'),
        root: dir,
        namespacePrefix: prefix,
      })
      await store.apply()
      const reports = await store.materialize({ end: T })
      expect(reports.map((r) => [r.view, r.entities, r.written])).toEqual([
        ['by_airport', 2, 2],
        ['by_airport_2', 2, 2],
        ['by_route', 3, 3],
      ])
    })
    afterAll(async () => {
      await online.deleteNamespace(`${prefix}:origin`)
      await online.deleteNamespace(`${prefix}:destination,origin`)
      await online.close()
      await engine.close()
      await rm(dir, { recursive: true, force: true })
    })

    it(`reads views of two entities with statuses and ttl (${name})`, async () => {
      const result = await store.getOnlineFeatures({
        features: ['by_airport:delay', 'by_airport_2:scaled', 'by_route:distance'],
        entities: [
          { origin: 'SFO', destination: 'LAX' },
          { origin: 'JFK', destination: 'SFO' },
          { origin: 'SEA', destination: 'SFO' },
        ],
        now: T,
      })
      expect(result.rows).toEqual([
        { delay: 12, scaled: 30, distance: 337 },
        { delay: null, scaled: -7.5, distance: 2586 },
        { delay: null, scaled: null, distance: null },
      ])
      expect(result.statuses).toEqual([
        ['PRESENT', 'PRESENT', 'PRESENT'],
        ['OUTSIDE_MAX_AGE', 'PRESENT', 'PRESENT'],
        ['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND'],
      ])
    })

    it(`re-running a materialization is idempotent (${name})`, async () => {
      const again = await store.materialize({ end: T })
      expect(again.map((r) => r.skipped)).toEqual([0, 0, 0])
      const incremental = await store.materialize({ incremental: true, end: T })
      expect(incremental.map((r) => r.entities)).toEqual([0, 0, 0])
      const result = await store.getOnlineFeatures({
        features: ['by_route:distance'],
        entities: { origin: ['SFO'], destination: ['JFK'] },
      })
      expect(result.rows).toEqual([{ distance: 2586 }])
    })
  })
}

onlineSuite('sqlite', () => new SqliteOnlineStore({ path: ':memory:' }))
describeWithService('redis', 'FeatureStore online retrieval on Redis', (url) => {
  onlineSuite(
    'redis',
    () => new RedisOnlineStore({ url, keyPrefix: `strata-test-${randomBytes(4).toString('hex')}:` }),
  )
})
