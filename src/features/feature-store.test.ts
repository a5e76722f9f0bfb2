import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, expectTypeOf, it } from 'vitest'
import { openTestFeatureStore } from '../../test/support/feature-store.js'
import { strataRejection } from '../../test/support/strata-error.js'
import { MemoryOnlineStore } from '../backends/memory/index.js'
import { DuckDbTableEngine } from '../backends/table/index.js'
import type { OnlineStore } from '../ports/index.js'
import { describeMetadata } from '../testing/metadata-fixture.js'
import { entity, featureService, featureView, fileSource, onDemandFeature } from './definitions/index.js'

const T = Date.UTC(2024, 0, 1, 12)
const H = 3_600_000
const at = (hours: number) => new Date(T + hours * H)

const airport = entity({ name: 'airport', joinKeys: ['origin'] })
const stats = featureView({
  name: 'airport_stats',
  entities: [airport],
  source: fileSource({ path: 'events.parquet', timestamp: 'ts' }),
  ttl: '2h',
  sql: 'select origin, ts, delay as last_delay, delay > 15 as late from source',
  features: { last_delay: 'int', late: 'bool' },
})
const counts = featureView({
  name: 'airport_counts',
  entities: [airport],
  source: fileSource({ path: 'events.parquet', timestamp: 'ts' }),
  sql: 'select origin, ts, count(*) over (partition by origin order by ts) as flights from source',
  features: { flights: 'int' },
})
const risk = onDemandFeature({
  name: 'risk',
  type: 'float',
  inputs: { features: [stats.select('last_delay')], request: { hour: 'int' } },
  fn: ({ last_delay, hour }) => (last_delay ?? 0) * (hour !== null && hour >= 17 ? 2 : 1),
})
const model = featureService({ name: 'model', features: [stats, counts.select('flights'), risk] })

/** Counts reads per namespace, to prove one key per entity per request. */
function counting(store: OnlineStore): OnlineStore & { reads: { namespace: string; keys: number }[] } {
  const reads: { namespace: string; keys: number }[] = []
  return {
    kind: store.kind,
    capabilities: store.capabilities,
    reads,
    write: (namespace, writes) => store.write(namespace, writes),
    writeAtomic: (batches) => store.writeAtomic(batches),
    read: (namespace, keys, fields) => {
      reads.push({ namespace, keys: keys.length })
      return store.read(namespace, keys, fields)
    },
    deleteNamespace: (namespace) => store.deleteNamespace(namespace),
    close: () => store.close(),
  }
}

describeMetadata('FeatureStore offline and online', (openFresh) => {
  let engine: DuckDbTableEngine
  let dir: string
  beforeAll(async () => {
    engine = await DuckDbTableEngine.open({ threads: 2 })
    dir = await mkdtemp(join(tmpdir(), 'strata-fstore-'))
    await engine.writeParquet(
      `select * from (values
        ('SFO', timestamp '2024-01-01 10:00:00', 5),
        ('SFO', timestamp '2024-01-01 11:00:00', 30),
        ('JFK', timestamp '2024-01-01 09:00:00', 20),
        ('SFO', timestamp '2024-01-01 13:00:00', 0)) t(origin, ts, delay)`,
      join(dir, 'events.parquet'),
    )
  })
  afterAll(async () => {
    await engine.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function openStore(online: OnlineStore = new MemoryOnlineStore()) {
    const { store } = await openTestFeatureStore(await openFresh(), {
      engine,
      online,
      definitions: { airport, stats, counts, risk, model },
      root: dir,
    })
    return store
  }

  it('refuses to compute or serve definitions that were never applied', async () => {
    const store = await openStore()
    const err = await strataRejection(store.getTrainingSet({ entityRows: [], service: model }))
    expect(err.code).toBe('FAILED_PRECONDITION')
    expect(err.message).toMatch(/never been applied.*strata apply/)
  })

  it('builds a typed, point-in-time training set with on-demand features', async () => {
    const store = await openStore()
    await store.apply()
    const ts = await store.getTrainingSet({
      service: model,
      entityRows: [
        { origin: 'SFO', event_timestamp: at(-1.5), hour: 18 },
        { origin: 'SFO', event_timestamp: at(-1), hour: 18 },
        { origin: 'SFO', event_timestamp: at(1.5), hour: 9 },
        { origin: 'JFK', event_timestamp: at(-1), hour: 9 },
        { origin: 'SFO', event_timestamp: at(-1.5), hour: 9 },
        { origin: 'LAX', event_timestamp: at(0), hour: 20 },
      ],
    })
    expect(ts.features).toEqual(['last_delay', 'late', 'flights', 'risk'])
    expect(ts.rowCount).toBe(6)
    const rows = await ts.rows()
    expectTypeOf(rows[0]!.last_delay).toEqualTypeOf<number | null>()
    expectTypeOf(rows[0]!.late).toEqualTypeOf<boolean | null>()
    expectTypeOf(rows[0]!.risk).toEqualTypeOf<number | null>()
    expect(rows.map((r) => [r.origin, r.last_delay, r.late, r.flights, r.risk])).toEqual([
      ['SFO', 5, false, 1, 10],
      ['SFO', 30, true, 2, 60],
      // 13:00 was 30 minutes earlier; the 2h ttl does not apply to the counts view.
      ['SFO', 0, false, 3, 0],
      // JFK's 09:00 value is 2 h old at 11:00: exactly the ttl, still valid.
      ['JFK', 20, true, 1, 20],
      ['SFO', 5, false, 1, 5],
      ['LAX', null, null, null, 0],
    ])
    expect(ts.inputs.map((i) => `${i.view}@${i.version}`)).toEqual(['airport_stats@1', 'airport_counts@1'])
  })

  it('retrieves every event in a time range without an entity table', async () => {
    const store = await openStore()
    await store.apply()
    const ts = await store.getTrainingSet({
      features: ['airport_stats:last_delay'],
      start: at(-3),
      end: at(-1),
    })
    const rows = await ts.rows()
    expect(rows.map((r) => [r.origin, (r.event_timestamp as Date).toISOString(), r.last_delay])).toEqual([
      ['JFK', at(-3).toISOString(), 20],
      ['SFO', at(-2).toISOString(), 5],
      ['SFO', at(-1).toISOString(), 30],
    ])
  })

  it('materializes incrementally and serves the same values online as offline', async () => {
    const online = counting(new MemoryOnlineStore())
    const store = await openStore(online)
    await store.apply()
    const first = await store.materialize({ incremental: true, end: at(0) })
    expect(first.map((r) => [r.view, r.entities])).toEqual([
      ['airport_stats', 2],
      ['airport_counts', 2],
    ])
    const again = await store.materialize({ incremental: true, end: at(0) })
    expect(again.map((r) => r.entities)).toEqual([0, 0])

    const result = await store.getOnlineFeatures({
      service: model,
      entities: { origin: ['SFO', 'JFK', 'LAX'], hour: [18, 9, 20] },
      now: at(0).getTime(),
    })
    expectTypeOf(result.rows[0]!.flights).toEqualTypeOf<number | null>()
    expect(result.features).toEqual(['last_delay', 'late', 'flights', 'risk'])
    expect(result.rows).toEqual([
      { last_delay: 30, late: true, flights: 2, risk: 60 },
      // JFK's value is 3 h old at noon: outside the 2 h ttl of airport_stats.
      { last_delay: null, late: null, flights: 1, risk: 0 },
      { last_delay: null, late: null, flights: null, risk: 0 },
    ])
    expect(result.statuses).toEqual([
      ['PRESENT', 'PRESENT', 'PRESENT', 'PRESENT'],
      ['OUTSIDE_MAX_AGE', 'OUTSIDE_MAX_AGE', 'PRESENT', 'PRESENT'],
      ['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'PRESENT'],
    ])
    expect(result.eventTimes[0]?.slice(0, 3)).toEqual([at(-1).getTime(), at(-1).getTime(), at(-1).getTime()])
    // Two views of one entity: one read of three keys, not one per view.
    expect(online.reads).toEqual([{ namespace: 'features:origin', keys: 3 }])

    // Offline at the same instant gives the same values (no training/serving skew).
    const offline = await store.getTrainingSet({
      service: model,
      entityRows: [
        { origin: 'SFO', event_timestamp: at(0), hour: 18 },
        { origin: 'JFK', event_timestamp: at(0), hour: 9 },
        { origin: 'LAX', event_timestamp: at(0), hour: 20 },
      ],
    })
    const offlineRows = await offline.rows()
    expect(offlineRows.map(({ origin: _o, event_timestamp: _t, hour: _h, ...rest }) => rest)).toEqual(
      result.rows,
    )

    // A later incremental run picks up only the newer row.
    const later = await store.materialize({ incremental: true, end: at(2) })
    expect(later.map((r) => r.entities)).toEqual([1, 1])
    const now = await store.getOnlineFeatures({
      features: ['airport_stats:last_delay'],
      entities: [{ origin: 'SFO' }],
      now: at(2).getTime(),
    })
    expect(now.rows).toEqual([{ last_delay: 0 }])
  })

  it('rejects entity rows without the join keys, naming what is missing', async () => {
    const store = await openStore()
    await store.apply()
    const err = await strataRejection(
      store.getOnlineFeatures({ service: model, entities: [{ airport: 'SFO', hour: 1 }] }),
    )
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toMatch(/lacks join key "origin"/)
  })
})
