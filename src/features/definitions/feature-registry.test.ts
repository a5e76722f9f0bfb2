import { expect, it } from 'vitest'
import { runMigrations } from '../../db/index.js'
import { describeMetadata } from '../../testing/metadata-fixture.js'
import { entity } from './entity.js'
import { FeatureCatalog } from './feature-catalog.js'
import { formatPlan } from './feature-plan.js'
import { FeatureRegistry } from './feature-registry.js'
import { featureService } from './feature-service.js'
import { featureView } from './feature-view.js'
import { featuresMigrations } from './features-migrations.js'
import { fileSource } from './sources/index.js'

const airport = entity({ name: 'airport', joinKeys: ['origin'] })
const source = fileSource({ path: 'flights.parquet', timestamp: 'date' })
const delays = (features: Record<string, 'int' | 'float'>, sql = 'select * from source') =>
  featureView({ name: 'delays', entities: [airport], source, ttl: '1d', sql, features })

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p
  } catch (err) {
    return err as { code?: string; message: string }
  }
  throw new Error('expected a rejection')
}

describeMetadata('FeatureRegistry plan/apply', (openFresh) => {
  async function open() {
    const md = await openFresh()
    await runMigrations(md, featuresMigrations)
    return new FeatureRegistry(md)
  }

  it('registers immutable versions and reports unchanged, updated, breaking and removed definitions', async () => {
    const registry = await open()
    const v1 = delays({ late: 'float', n: 'int' })
    const service = featureService({ name: 'model', features: [v1] })
    const first = await registry.plan(FeatureCatalog.from([v1, service]))
    expect(first.changes.map((c) => [c.kind, c.name, c.action, c.toVersion])).toEqual([
      ['entity', 'airport', 'create', 1],
      ['feature-view', 'delays', 'create', 1],
      ['feature-service', 'model', 'create', 1],
    ])
    const applied = await registry.apply(FeatureCatalog.from([v1, service]))
    expect(applied.registered.map((r) => `${r.name}@${r.version}`)).toEqual([
      'airport@1',
      'delays@1',
      'model@1',
    ])
    expect((await registry.plan(FeatureCatalog.from([v1, service]))).hasChanges).toBe(false)
    expect((await registry.resolve(v1)).version).toBe(1)

    // A changed query is a new, non-breaking version; the old definition no longer resolves.
    const v2 = delays({ late: 'float', n: 'int' }, 'select * from source where delay is not null')
    const plan2 = await registry.plan(FeatureCatalog.from([v2]))
    const view2 = plan2.changes.find((c) => c.name === 'delays')
    expect(view2).toMatchObject({ action: 'update', fromVersion: 1, toVersion: 2, breaking: false })
    expect(view2?.changes).toContain('sql changed (data will be recomputed)')
    // The service disappeared from the project: a removal is breaking.
    expect(plan2.changes.find((c) => c.name === 'model')).toMatchObject({ action: 'remove', breaking: true })
    expect(formatPlan(plan2)).toMatch(/~ feature-view delays v1 → v2/)

    // A retyped and a removed feature are breaking and refused without allowBreaking.
    const v3 = delays({ late: 'int' })
    const plan3 = await registry.plan(FeatureCatalog.from([v3]))
    expect(plan3.changes.find((c) => c.name === 'delays')?.changes).toEqual([
      'feature late: float → int (breaking)',
      'removes feature n (breaking)',
    ])
    const refused = await rejection(registry.apply(FeatureCatalog.from([v3])))
    expect(refused.code).toBe('FAILED_PRECONDITION')
    expect(refused.message).toMatch(/feature-view delays/)
    expect((await registry.versions('feature-view', 'delays')).length).toBe(1)

    const forced = await registry.apply(FeatureCatalog.from([v3]), { allowBreaking: true })
    expect(forced.registered.map((r) => `${r.name}@${r.version}`)).toEqual(['delays@2'])
    expect(forced.removed).toEqual([{ kind: 'feature-service', name: 'model', version: 1 }])
    expect((await registry.resolve(v3)).version).toBe(2)
    const stale = await rejection(registry.resolve(v1))
    expect(stale.code).toBe('FAILED_PRECONDITION')
    expect(stale.message).toMatch(/differs from registered v2/)
    const gone = await rejection(registry.resolve(service))
    expect(gone.message).toMatch(/was removed/)

    // Registered specs are kept as they were.
    const history = await registry.versions('feature-view', 'delays')
    expect(history.map((h) => h.spec.features)).toEqual([{ late: 'float', n: 'int' }, { late: 'int' }])
    // Description-only changes keep the data hash (no recompute, online data stays valid).
    expect(history[0]?.dataHash).not.toBe(history[1]?.dataHash)
  })

  it('keeps the data hash when only the description or ttl change', async () => {
    const registry = await open()
    const a = featureView({ name: 'v', entities: [airport], source, features: { x: 'int' } })
    const b = featureView({
      name: 'v',
      entities: [airport],
      source,
      ttl: '2h',
      description: 'doc',
      features: { x: 'int' },
    })
    await registry.apply(FeatureCatalog.from([a]))
    const plan = await registry.plan(FeatureCatalog.from([b]))
    expect(plan.changes.find((c) => c.name === 'v')?.changes).toEqual([
      'ttl none → 2h',
      'description changed',
    ])
    await registry.apply(FeatureCatalog.from([b]))
    const [v1, v2] = await registry.versions('feature-view', 'v')
    expect(v1?.dataHash).toBe(v2?.dataHash)
    expect(v1?.specHash).not.toBe(v2?.specHash)
  })
})
