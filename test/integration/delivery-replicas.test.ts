import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openMetadataDatabase } from '../../src/db/index.js'
import { openStrata, type Strata } from '../../src/platform/index.js'
import type { InferTensor } from '../../src/serving/index.js'
import { withSearchPath } from '../../src/testing/metadata-fixture.js'
import { describeWithService } from '../../src/testing/services.js'
import { registerChallengers, seeded } from '../support/delivery-models.js'

const INTERVAL = 60_000

function features(rows: number[][]): InferTensor {
  return {
    name: 'features',
    datatype: 'FP32',
    shape: [rows.length, 3],
    values: Float32Array.from(rows.flat()),
  }
}

describeWithService('postgres', 'delivery on two replicas sharing Postgres', (pg) => {
  const schema = `delivery_${randomBytes(5).toString('hex')}`
  const clock = { t: 5_000_000 }
  let dir: string
  const open: Strata[] = []
  let versions: Awaited<ReturnType<typeof registerChallengers>>

  /** One replica: its own Strata (model server, delivery controller) on the shared database and files. */
  async function replica(name: string) {
    const strata = await openStrata({
      cwd: dir,
      config: { project: 'replicas' },
      env: { STRATA_METADATA_URL: withSearchPath(pg, schema) },
      clock: { now: () => clock.t },
      principal: { id: name },
    })
    open.push(strata)
    const controller = await strata.deliveryController({ replica: name, random: seeded(name.length) })
    return { strata, controller, server: await strata.serving(), delivery: await strata.delivery() }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-replicas-'))
    const admin = await openMetadataDatabase({ dialect: 'postgres', location: pg, url: 'postgres:replicas' })
    await sql.raw(`create schema "${schema}"`).execute(admin.db)
    await admin.close()
  })
  afterAll(async () => {
    for (const s of open) await s.close()
    const admin = await openMetadataDatabase({ dialect: 'postgres', location: pg, url: 'postgres:replicas' })
    await sql.raw(`drop schema if exists "${schema}" cascade`).execute(admin.db)
    await admin.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a change through one replica is in force on the other, the split and the guards are shared, and a restarted replica resumes the rollout', async () => {
    const a = await replica('replica-a')
    const b = await replica('replica-b')
    versions = await registerChallengers(await a.strata.registry())

    // a change made through A is in force on B after B's next tick
    await a.delivery.create('shared', {
      model: 'linear',
      candidate: versions.good,
      steps: [30, 60, 100],
      sticky: { header: 'x-user-id' },
      intervalMs: INTERVAL,
      guards: ['error_rate<=0.02@200'],
    })
    await b.controller.tick()
    await a.controller.tick()
    expect(b.controller.router('shared')?.revision).toBe(1)

    // the same key gets the same version on both replicas; the split holds across them
    const send = async (r: typeof a, user: number) =>
      r.server.infer(
        'shared',
        undefined,
        { inputs: [features([[user, 1, 2]])] },
        { headers: { 'x-user-id': `user-${user}` } },
      )
    let toCandidate = 0
    for (let u = 0; u < 400; u++) {
      const [ra, rb] = await Promise.all([send(a, u), send(b, u)])
      expect(ra.modelVersion).toBe(rb.modelVersion)
      if (ra.modelVersion === String(versions.good)) toCandidate++
    }
    expect(toCandidate / 400).toBeGreaterThan(0.22)
    expect(toCandidate / 400).toBeLessThan(0.38)
    await a.controller.router('shared')?.settled()
    await b.controller.router('shared')?.settled()

    // the engine judges the samples of both replicas: each alone has fewer than the minimum
    clock.t += INTERVAL
    await b.controller.flush()
    await a.controller.tick()
    const advanced = (await a.delivery.history('shared')).decisions.at(-1)
    expect(advanced?.action).toBe('advance')
    expect(toCandidate).toBeLessThan(200)
    expect(advanced?.evidence?.candidate.calls).toBe(toCandidate * 2)
    // the other replica's tick does not decide again
    await b.controller.tick()
    expect((await b.delivery.history('shared')).decisions.filter((d) => d.action === 'advance')).toHaveLength(
      1,
    )
    expect(b.controller.router('shared')?.policy?.step).toBe(1)

    // B restarts mid-rollout: the new process serves the same revision and carries on
    const revision = (await a.delivery.status('shared')).revision
    await b.strata.close()
    const c = await replica('replica-c')
    await c.controller.tick()
    expect(c.controller.router('shared')?.revision).toBe(revision)
    for (let u = 0; u < 400; u++) {
      const [ra, rc] = await Promise.all([send(a, u), send(c, u)])
      expect(rc.modelVersion).toBe(ra.modelVersion)
    }
    await a.controller.router('shared')?.settled()
    await a.controller.flush()
    await c.controller.router('shared')?.settled()
    clock.t += INTERVAL
    await c.controller.tick()
    const after = await c.delivery.status('shared')
    expect(after.lastDecision).toMatchObject({ action: 'advance', actor: 'rollout-engine' })
    expect(after.policy.step).toBe(2)
    await a.controller.tick()
    expect(a.controller.router('shared')?.revision).toBe(after.revision)

    // a manual rollback through C is in force on A at its next tick
    const rolled = await c.delivery.rollback('shared', { reason: 'replica test' })
    await a.controller.tick()
    expect(a.controller.router('shared')?.revision).toBe(rolled.revision)
    for (let u = 0; u < 20; u++) expect((await send(a, u)).modelVersion).toBe(String(versions.champion))
  }, 180_000)
})
