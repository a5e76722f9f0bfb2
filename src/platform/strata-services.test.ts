import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createTracing } from '../core/tracing.js'
import { defaultPrincipal } from './default-principal.js'
import { openStrata } from './strata.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'strata-services-'))
  dirs.push(d)
  return d
}

describe('defaultPrincipal', () => {
  it('takes STRATA_USER over STRATA_AUTHOR, ignores blank values, and falls back to the OS account', () => {
    expect(defaultPrincipal({ STRATA_USER: 'ada', STRATA_AUTHOR: 'bob' })).toEqual({ id: 'ada' })
    expect(defaultPrincipal({ STRATA_USER: ' ', STRATA_AUTHOR: 'bob' })).toEqual({ id: 'bob' })
    const os = defaultPrincipal({})
    expect(os.id).not.toBe('')
    expect(defaultPrincipal({ USER: 'not-consulted-first' }).id).toBe(os.id)
  })
})

describe('openStrata services', () => {
  it('record the default principal and the clock in every domain, and another principal through as()', async () => {
    const dir = tempDir()
    await using strata = await openStrata({
      cwd: dir,
      config: { blobs: 'memory:' },
      env: { STRATA_USER: 'ada' },
      clock: { now: () => 1_700_000_000_000 },
    })
    expect(strata.principal).toEqual({ id: 'ada' })
    const tracking = await strata.tracking()
    const run = await tracking.startRun({ experiment: 'e' })
    const { info } = await run.get()
    expect([info.userId, info.startTime]).toEqual(['ada', 1_700_000_000_000])
    await run.logMetrics({ auc: 0.9 })
    const [auc] = (await tracking.runs.metricHistory(run.runId, 'auc')).items
    expect(auc?.timestamp).toBe(1_700_000_000_000)
    const model = await (await strata.registry()).createModel('m')
    expect([model.createdBy, model.createdAt]).toEqual(['ada', 1_700_000_000_000])
    const data = await strata.data()
    await data.createDataset('d')
    const commit = await data.commit('d', {
      message: 'm',
      changes: [{ path: 'a.txt', bytes: Buffer.from('a') }],
    })
    expect([commit.author, commit.createdAt]).toEqual(['ada', 1_700_000_000_000])
    const [main] = await data.refs('d')
    expect([main?.name, main?.updatedAt]).toEqual(['main', 1_700_000_000_000])

    const bob = strata.as({ id: 'bob' })
    expect(bob.principal).toEqual({ id: 'bob' })
    expect(await bob.registry()).not.toBe(await strata.registry())
    expect(await bob.registry()).toBe(await bob.registry())
    expect(await bob.lineage()).toBe(await strata.lineage())
    expect((await (await bob.registry()).createModel('m2')).createdBy).toBe('bob')
    const merged = await (await bob.data()).commit('d', {
      message: 'by bob',
      changes: [{ path: 'b.txt', bytes: Buffer.from('b') }],
    })
    expect(merged.author).toBe('bob')
    expect((await strata.context()).principal).toEqual({ id: 'ada' })
    expect(strata.as(strata.principal).principal).toBe(strata.principal)

    // After close, services are built anew over reopened backends.
    const before = await strata.tracking()
    await strata.close()
    const after = await strata.tracking()
    expect(after).not.toBe(before)
    expect((await after.experiments.getByName('e')).name).toBe('e')
  })

  it("builds the feature store per scope: its commits are the scope's principal's, its phases timed by the context", async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'events.csv'),
      'origin,ts,delay\nSFO,2024-01-01 10:00:00,5\nJFK,2024-01-01 11:00:00,20\n',
    )
    writeFileSync(
      join(dir, 'features.ts'),
      [
        "import { entity, featureView, fileSource } from 'strata-ml'",
        "const airport = entity({ name: 'airport', joinKeys: ['origin'] })",
        "export const delays = featureView({ name: 'delays', entities: [airport], source: fileSource({ path: 'events.csv', timestamp: 'ts' }), features: { delay: 'int' } })",
      ].join('\n'),
    )
    const lines: string[] = []
    await using strata = await openStrata({
      cwd: dir,
      config: { blobs: 'memory:', features: 'features.ts' },
      env: { STRATA_USER: 'ada' },
      clock: { now: () => 1_700_000_000_000 },
      tracing: createTracing({ areas: 'features', write: (l) => lines.push(l) }),
    })
    const bob = strata.as({ id: 'bob' })
    const store = await bob.features()
    expect(await bob.features()).toBe(store)
    expect(await strata.features()).not.toBe(store)
    await store.apply()
    const [computed] = await store.compute()
    const commit = await (await strata.data()).resolve('feature-views', computed?.commitId ?? 'no commit')
    expect([commit.author, commit.createdAt]).toEqual(['bob', 1_700_000_000_000])
    const [version] = await store.registry.versions('feature-view', 'delays')
    expect(version?.createdAt).toBe(1_700_000_000_000)
    expect(lines.some((l) => /^features: compute delays \d+ ms\n$/.test(l))).toBe(true)
  })

  it('times phases in the areas of STRATA_DEBUG through the context, not a module global', async () => {
    const lines: string[] = []
    await using strata = await openStrata({
      cwd: tempDir(),
      config: { blobs: 'memory:' },
      env: {},
      tracing: createTracing({ areas: 'probe', write: (l) => lines.push(l) }),
    })
    const { tracing } = await strata.context()
    await tracing.timed('probe', 'one', async () => undefined)
    await tracing.timed('other', 'two', async () => undefined)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^probe: one \d+ ms\n$/)
    await using quiet = await openStrata({ cwd: tempDir(), config: { blobs: 'memory:' }, env: {} })
    expect((await quiet.context()).tracing.enabled('features')).toBe(false)
  })
})
