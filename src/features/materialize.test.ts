import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryOnlineStore } from '../backends/memory/index.js'
import { SqliteOnlineStore } from '../backends/online/index.js'
import { DuckDbTableEngine } from '../backends/table/index.js'
import { openMetadataDatabase, runMigrations } from '../db/index.js'
import type { OnlineStore } from '../ports/index.js'
import { entity, featuresMigrations, featureView, fileSource } from './definitions/index.js'
import { FeatureStore } from './feature-store.js'
import { onlineLayout, writeLatestRows } from './online/index.js'

const route = entity({ name: 'route', joinKeys: ['origin', 'destination'] })
const source = fileSource({ path: 'flights.parquet', timestamp: 'ts' })
const view = featureView({
  name: 'route_stats',
  entities: [route],
  source,
  features: { flights: 'int', share: 'float' },
})

async function rejection(
  p: Promise<unknown>,
): Promise<{ code?: string; message: string; details?: unknown }> {
  try {
    await p
  } catch (err) {
    return err as { code?: string; message: string; details?: unknown }
  }
  throw new Error('expected a rejection')
}

async function* batches<T>(...items: T[][]): AsyncIterable<T[]> {
  for (const b of items) yield b
}

describe.each([
  ['memory', () => new MemoryOnlineStore()],
  ['sqlite', () => new SqliteOnlineStore({ path: ':memory:' })],
] as [string, () => OnlineStore][])('materialization type enforcement (%s online store)', (_name, create) => {
  it('rejects a batch with a value of the wrong type, naming view, feature, entity and value, and writes nothing', async () => {
    const online = create()
    const layout = onlineLayout('t', view, 'abc')
    const ts = new Date(Date.UTC(2024, 0, 1))
    const err = await rejection(
      writeLatestRows(
        online,
        view,
        layout,
        batches(
          [{ origin: 'SFO', destination: 'JFK', ts, flights: 3n, share: 0.5 }],
          [{ origin: 'LAX', destination: 'SEA', ts, flights: 1.5, share: 0.1 }],
        ),
      ),
    )
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toContain('feature view "route_stats"')
    expect(err.message).toContain('feature "flights"')
    expect(err.message).toContain('origin="LAX", destination="SEA"')
    expect(err.message).toContain('is 1.5')
    expect(err.details).toMatchObject({
      view: 'route_stats',
      feature: 'flights',
      value: '1.5',
      expected: 'int',
    })
    // The valid first batch did not reach the store either.
    expect(await online.read(layout.namespace, ['JFK|SFO', 'LAX|SEA', 'SEA|LAX', 'SFO|JFK'])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ])
    await online.close()
  })

  it('rejects non-finite floats and unsafe integers', async () => {
    const online = create()
    const layout = onlineLayout('t', view, 'abc')
    const ts = new Date(Date.UTC(2024, 0, 1))
    const nan = await rejection(
      writeLatestRows(
        online,
        view,
        layout,
        batches([{ origin: 'A', destination: 'B', ts, flights: 1, share: Number.NaN }]),
      ),
    )
    expect(nan.message).toMatch(/feature "share" of entity origin="A", destination="B" is NaN/)
    const big = await rejection(
      writeLatestRows(
        online,
        view,
        layout,
        batches([{ origin: 'A', destination: 'B', ts, flights: 2n ** 60n, share: 1 }]),
      ),
    )
    expect(big.message).toMatch(/feature "flights" .* is 1152921504606846976n/)
    await online.close()
  })
})

describe('FeatureStore.materialize type enforcement', () => {
  let engine: DuckDbTableEngine
  let dir: string
  beforeAll(async () => {
    engine = await DuckDbTableEngine.open({ threads: 1 })
    dir = await mkdtemp(join(tmpdir(), 'strata-mat-'))
    await engine.writeParquet(
      `select * from (values ('SFO', 'JFK', timestamp '2024-01-01 10:00', 2.0), ('LAX', 'SEA', timestamp '2024-01-01 11:00', 1.5)) t(origin, destination, ts, n)`,
      join(dir, 'flights.parquet'),
    )
  })
  afterAll(async () => {
    await engine.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function storeWith(definition: ReturnType<typeof featureView>, online: OnlineStore) {
    const metadata = await openMetadataDatabase({
      dialect: 'sqlite',
      location: join(dir, `${Math.random()}.db`),
      url: 'sqlite:t',
    })
    await runMigrations(metadata, featuresMigrations)
    const store = new FeatureStore({
      metadata,
      engine,
      online,
      definitions: [definition],
      workDir: join(dir, 'work'),
      root: dir,
    })
    await store.apply()
    return { store, metadata }
  }

  it('rejects a view whose SQL yields a fractional int, and nothing reaches the online store', async () => {
    const online = new MemoryOnlineStore()
    const bad = featureView({
      name: 'bad_sql',
      entities: [route],
      source,
      sql: 'select origin, destination, ts, n as flights from source',
      features: { flights: 'int' },
    })
    const { store, metadata } = await storeWith(bad, online)
    const err = await rejection(store.materialize())
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toMatch(
      /feature view "bad_sql": feature "flights" of entity origin="LAX", destination="SEA" is 1.5/,
    )
    const layout = onlineLayout('features', bad, 'x')
    expect(await online.read(layout.namespace, ['JFK|SFO', 'LAX|SEA'])).toEqual([undefined, undefined])
    await metadata.close()
  })

  it('rejects a TypeScript transform returning the wrong type, naming the row', async () => {
    const online = new MemoryOnlineStore()
    const bad = featureView({
      name: 'bad_transform',
      entities: [route],
      source,
      transform: (row) => ({ ...row, label: row.origin === 'LAX' ? 7 : 'ok' }),
      features: { label: 'string' },
    })
    const { store, metadata } = await storeWith(bad, online)
    const err = await rejection(store.materialize())
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toMatch(
      /feature view "bad_transform": feature "label" of entity origin="LAX", destination="SEA" is 7/,
    )
    await metadata.close()
  })

  it('materializes a transform view and a composite entity key', async () => {
    const online = new MemoryOnlineStore()
    const good = featureView({
      name: 'route_label',
      entities: [route],
      source,
      transform: (row) => ({
        ...row,
        label: `${row.origin}->${row.destination}`,
        doubled: Number(row.n) * 2,
      }),
      features: { label: 'string', doubled: 'float' },
    })
    const { store, metadata } = await storeWith(good, online)
    const [report] = await store.materialize()
    expect(report).toMatchObject({ view: 'route_label', entities: 2, written: 2, skipped: 0 })
    const result = await store.getOnlineFeatures({
      features: ['route_label:label', 'route_label:doubled'],
      entities: { origin: ['LAX', 'SFO'], destination: ['SEA', 'JFK'] },
    })
    expect(result.rows).toEqual([
      { label: 'LAX->SEA', doubled: 3 },
      { label: 'SFO->JFK', doubled: 4 },
    ])
    await metadata.close()
  })
})
