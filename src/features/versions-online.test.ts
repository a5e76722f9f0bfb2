import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestFeatureStore } from '../../test/support/feature-store.js'
import { strataRejection } from '../../test/support/strata-error.js'
import { MemoryBlobStore, MemoryOnlineStore } from '../backends/memory/index.js'
import { DuckDbTableEngine } from '../backends/table/index.js'
import { type MetadataDatabase, openMetadataDatabase } from '../db/index.js'
import { entity, featureService, featureView, fileSource, onDemandFeature } from './definitions/index.js'

const driver = entity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int' })
const source = fileSource({ path: 'trips.parquet', timestamp: 'ts' })

function definitions(breaking: boolean) {
  const stats = featureView({
    name: 'driver_stats',
    entities: [driver],
    source,
    // The breaking change: `rating` becomes a float.
    features: { trips: 'int', rating: breaking ? 'float' : 'int' },
  })
  const busy = onDemandFeature({
    name: 'busy',
    type: 'bool',
    inputs: { features: [stats.select('trips')] },
    fn: ({ trips }) => (trips ?? 0) > 5,
  })
  const service = featureService({ name: 'dispatch', features: [stats, busy] })
  return [driver, stats, busy, service]
}

describe('versions: lineage of a training set and online lookups after a breaking apply', () => {
  let engine: DuckDbTableEngine
  let dir: string
  let metadata: MetadataDatabase
  beforeAll(async () => {
    engine = await DuckDbTableEngine.open({ threads: 1 })
    dir = await mkdtemp(join(tmpdir(), 'strata-versions-'))
    metadata = await openMetadataDatabase({
      dialect: 'sqlite',
      location: join(dir, 'meta.db'),
      url: 'sqlite:t',
    })
    await engine.writeParquet(
      `SELECT * FROM (VALUES (1, TIMESTAMP '2024-01-01 10:00:00', 7, 4)) t(driver_id, ts, trips, rating)`,
      join(dir, 'trips.parquet'),
    )
  })
  afterAll(async () => {
    await metadata.close()
    await engine.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('names the feature-service, on-demand and view versions in lineage; says to materialize after a breaking apply', async () => {
    const online = new MemoryOnlineStore()
    const workDir = join(dir, 'work')
    // Both stores share the blobs, as two processes of one project would.
    const context = { blobs: new MemoryBlobStore() }
    const v1 = await openTestFeatureStore(metadata, {
      engine,
      online,
      definitions: definitions(false),
      root: dir,
      workDir,
      context,
    })
    await v1.store.apply()
    const ts = await v1.store.getTrainingSet({
      service: 'dispatch',
      entityRows: [{ driver_id: 1, event_timestamp: new Date('2024-01-02T00:00:00Z') }],
    })
    const saved = await ts.save('dispatch-q1')
    await ts.dispose()
    const upstream = await v1.ctx.lineage.upstream(`training-set:${saved.id}`, 1)
    expect(upstream.nodes.map((n) => n.id).sort()).toEqual(
      [
        `training-set:${saved.id}`,
        'feature-service-version:dispatch/1',
        'on-demand-feature-version:busy/1',
        'feature-view-version:driver_stats/1',
        expect.stringMatching(/^dataset-commit:/),
      ].sort(),
    )

    await v1.store.materialize()
    const request = { service: 'dispatch', entities: { driver_id: [1] }, now: Date.UTC(2024, 0, 2) }
    expect((await v1.store.getOnlineFeatures(request)).rows).toEqual([{ trips: 7, rating: 4, busy: true }])

    const v2 = await openTestFeatureStore(metadata, {
      engine,
      online,
      definitions: definitions(true),
      root: dir,
      workDir,
      context,
    })
    const plan = await v2.store.plan()
    expect(plan.hasBreakingChanges).toBe(true)
    await v2.store.apply({ allowBreaking: true })
    const err = await strataRejection(v2.store.getOnlineFeatures(request))
    expect(err.code).toBe('FAILED_PRECONDITION')
    expect(err.message).toBe(
      `feature view "driver_stats" v2 has not been materialized since it was applied: the online store holds v1 only, so every lookup of v2 would be NOT_FOUND; run "strata features materialize --views driver_stats" (SDK: store.materialize({ views: ['driver_stats'] }))`,
    )
    // An entity that is simply unknown is still NOT_FOUND once the version is materialized.
    await v2.store.materialize()
    expect((await v2.store.getOnlineFeatures(request)).rows).toEqual([{ trips: 7, rating: 4, busy: true }])
    const unknown = await v2.store.getOnlineFeatures({ ...request, entities: { driver_id: [2] } })
    expect(unknown.statuses).toEqual([['NOT_FOUND', 'NOT_FOUND', 'PRESENT']])
  })
})
