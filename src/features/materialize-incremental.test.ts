import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestFeatureStore } from '../../test/support/feature-store.js'
import { MemoryOnlineStore } from '../backends/memory/index.js'
import { DuckDbTableEngine } from '../backends/table/index.js'
import { type MetadataDatabase, openMetadataDatabase } from '../db/index.js'
import { datasetSource, entity, featureView } from './definitions/index.js'

const user = entity({ name: 'user', joinKeys: ['user_id'] })
const spend = featureView({
  name: 'user_spend',
  entities: [user],
  source: datasetSource({ dataset: 'events', path: 'events.parquet', timestamp: 'ts' }),
  features: { amount: 'float' },
})

describe('incremental materialization follows the source commits, not the clock', () => {
  let engine: DuckDbTableEngine
  let dir: string
  let metadata: MetadataDatabase
  beforeAll(async () => {
    engine = await DuckDbTableEngine.open({ threads: 1 })
    dir = await mkdtemp(join(tmpdir(), 'strata-incr-'))
    metadata = await openMetadataDatabase({
      dialect: 'sqlite',
      location: join(dir, 'meta.db'),
      url: 'sqlite:t',
    })
  })
  afterAll(async () => {
    await metadata.close()
    await engine.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('a commit adding rows with old event times is picked up by --incremental, with what changed and why', async () => {
    const online = new MemoryOnlineStore()
    const { store, repository } = await openTestFeatureStore(metadata, {
      engine,
      online,
      definitions: [spend],
      root: dir,
    })
    await store.apply()
    await repository.createDataset('events')
    const commit = async (sql: string, message: string) => {
      const file = join(dir, `${message.replaceAll(' ', '-')}.parquet`)
      await engine.writeParquet(sql, file)
      return repository.commit('events', { message, changes: [{ path: 'events.parquet', source: file }] })
    }
    const day = (d: number) => `TIMESTAMP '2024-01-${String(d).padStart(2, '0')} 00:00:00'`
    const first = await commit(
      `SELECT * FROM (VALUES ('u1', ${day(10)}, 1.0), ('u2', ${day(20)}, 2.0)) t(user_id, ts, amount)`,
      'first',
    )
    const now = Date.UTC(2024, 0, 21)
    const read = async () =>
      (
        await store.getOnlineFeatures({
          features: ['user_spend:amount'],
          entities: { user_id: ['u1', 'u2', 'u3'] },
          now,
        })
      ).rows.map((r) => r.amount)

    const [run1] = await store.materialize({ incremental: true })
    expect(run1).toMatchObject({ mode: 'full', entities: 2, written: 2, source: first.id })
    expect(await read()).toEqual([1, 2, null])

    // Late and backfilled data: every new row's event time is before the first run's end (now).
    const second = await commit(
      `SELECT * FROM (VALUES
         ('u1', ${day(10)}, 1.0), ('u2', ${day(20)}, 2.0),
         ('u1', ${day(15)}, 1.5),
         ('u2', ${day(5)}, 0.5),
         ('u3', ${day(1)}, 3.0)
       ) t(user_id, ts, amount)`,
      'backfill',
    )
    const [run2] = await store.materialize({ incremental: true })
    expect(run2).toMatchObject({
      mode: 'commit-diff',
      previousSource: first.id,
      source: second.id,
      changedRows: 3,
      lateRows: 3,
      removedRows: 0,
      // u1's 15 Jan value, u2's 5 Jan value (older than the 20 Jan one online: skipped), u3.
      entities: 3,
      written: 2,
      skipped: 1,
    })
    expect(run2?.reason).toBe(
      `source ${first.id.slice(0, 12)} → ${second.id.slice(0, 12)}: 3 view rows added or changed (3 with event times before the last run's end: late or backfilled)`,
    )
    expect(await read()).toEqual([1.5, 2, 3])

    const [run3] = await store.materialize({ incremental: true })
    expect(run3).toMatchObject({ mode: 'commit-diff', changedRows: 0, entities: 0, written: 0 })
    expect(run3?.reason).toMatch(/^source unchanged since the last run/)

    // A corrected value at the same event time replaces the one online.
    await commit(
      `SELECT * FROM (VALUES
         ('u1', ${day(10)}, 1.0), ('u2', ${day(20)}, 2.25),
         ('u1', ${day(15)}, 1.5), ('u2', ${day(5)}, 0.5), ('u3', ${day(1)}, 3.0)
       ) t(user_id, ts, amount)`,
      'correction',
    )
    const [run4] = await store.materialize({ incremental: true })
    expect(run4).toMatchObject({ changedRows: 1, lateRows: 1, removedRows: 1, entities: 1, written: 1 })
    expect(await read()).toEqual([1.5, 2.25, 3])
  })
})
