import { expect, it } from 'vitest'
import { openLoopFixture } from '../../../test/support/retrain-loop.js'
import { strataRejection } from '../../../test/support/strata-error.js'
import { describeMetadata } from '../../testing/metadata-fixture.js'
import { monitor } from '../monitors/monitor-definition.js'
import { incidentNode } from './loop-engine.js'

const HOUR = 3_600_000

describeMetadata('the closed loop', (openFresh) => {
  it('retrains once, makes the version challenger, rolls it out and follows the delivery engine to promotion, in lineage', async () => {
    const f = await openLoopFixture(await openFresh())
    const { loop, created } = await f.start('inc-1')
    expect(created).toBe(true)
    expect(loop.state).toBe('retraining')
    const after = await f.loops.advance(loop.id)
    expect(after.state).toBe('rolling-out')
    expect(f.registered).toHaveLength(1)
    const version = f.registered[0] as number
    expect(after).toMatchObject({ version, metrics: { auc: 0.8, trained_until_ms: f.clock.t } })
    expect((await f.registry.getVersionByAlias('linear', 'challenger')).version).toBe(version)
    const d = await f.delivery.status('linear')
    expect(d.policy).toMatchObject({
      strategy: 'canary',
      candidate: version,
      steps: [50, 100],
      status: 'progressing',
    })
    expect(after.revision).toBe(d.revision)
    expect(d.reason).toContain(`retrain loop ${loop.id}`)
    // The run carries the alert's window end as its param, and the loop's tags.
    const run = (await f.engine.show(after.runId as string)).run
    expect(run.params).toEqual({ until: new Date(f.clock.t).toISOString() })
    expect(run.tags).toMatchObject({ 'strata.monitor.loop': loop.id, 'strata.monitor.incident': 'inc-1' })

    // Advancing again while the rollout runs changes nothing; the same incident finds the same loop.
    expect((await f.loops.advance(loop.id)).updatedAt).toBe(after.updatedAt)
    expect(await f.start('inc-1')).toMatchObject({ created: false, loop: { id: loop.id } })

    // The delivery engine promotes it (here by the same call its controller makes at the last step).
    await f.delivery.promote('linear', { reason: 'every guard passed at the last step' })
    const done = await f.loops.advance(loop.id)
    expect(done.state).toBe('promoted')
    expect((await f.registry.getVersionByAlias('linear', 'champion')).version).toBe(version)
    expect(done.events.map((e) => e.state)).toEqual([
      'retraining',
      'retraining',
      'challenger',
      'rolling-out',
      'promoted',
    ])
    expect(await f.store.list({ inFlight: true })).toEqual([])

    // alert → pipeline run → model version → deployment revision
    const path = await f.ctx.lineage.path(incidentNode('inc-1'), `deployment:linear/${done.revision}`)
    expect(path?.map((e) => e.activity)).toEqual(['retrain', 'register', 'deploy'])
  })

  it('keeps one loop in flight per deployment, a cooldown after it ends and a daily budget', async () => {
    const f = await openLoopFixture(await openFresh())
    const first = (await f.start('inc-1', { maxPerDay: 2 })).loop
    const busy = (await f.start('inc-2', { maxPerDay: 2 })).loop
    expect(busy.state).toBe('skipped')
    expect(busy.reason).toMatch(
      new RegExp(`loop ${first.id} \\(incident inc-1\\) is in flight on deployment linear`),
    )
    await f.loops.advance(first.id)
    await f.delivery.rollback('linear', { reason: 'guard error_rate failed' })
    const rolled = await f.loops.advance(first.id)
    expect(rolled).toMatchObject({
      state: 'rolled-back',
      reason: expect.stringMatching(/guard error_rate failed/),
    })

    f.clock.t += 30 * 60_000
    const cooling = (await f.start('inc-3', { maxPerDay: 2 })).loop
    expect(cooling).toMatchObject({
      state: 'skipped',
      reason: expect.stringMatching(/cooldown of deployment linear until/),
    })

    f.clock.t += HOUR
    const second = (await f.start('inc-4', { maxPerDay: 2 })).loop
    expect(second.state).toBe('retraining')
    f.behaviour.fail = true
    const failed = await f.loops.advance(second.id)
    expect(failed).toMatchObject({
      state: 'failed',
      reason: expect.stringMatching(/pipeline run .* failed: steps failed: register/),
    })

    f.clock.t += 2 * HOUR
    const broke = (await f.start('inc-5', { maxPerDay: 2 })).loop
    expect(broke).toMatchObject({
      state: 'skipped',
      reason: expect.stringMatching(
        /budget of deployment linear spent \(2 of 2 retrains in the last 24 hours\)/,
      ),
    })
    f.clock.t += 24 * HOUR
    expect((await f.start('inc-6', { maxPerDay: 2 })).loop.state).toBe('retraining')
    expect(f.registered).toHaveLength(1)
  })

  it('rejects a challenger below the gate without touching the deployment', async () => {
    const f = await openLoopFixture(await openFresh())
    f.behaviour.metrics = { auc: 0.61 }
    const before = await f.delivery.status('linear')
    const { loop } = await f.start('inc-1', { gate: { min: { auc: 0.7 }, max: { log_loss: 0.5 } } })
    const done = await f.loops.advance(loop.id)
    expect(done).toMatchObject({
      state: 'rejected',
      reason: `version ${f.registered[0]} rejected by the gate: auc 0.61 < 0.7; log_loss missing (needs ≤ 0.5)`,
    })
    expect((await f.delivery.status('linear')).revision).toBe(before.revision)
    expect(await strataRejection(f.registry.getVersionByAlias('linear', 'challenger'))).toMatchObject({
      code: 'NOT_FOUND',
    })
  })

  it('adopts a rollout a killed process created instead of creating a second one', async () => {
    const f = await openLoopFixture(await openFresh())
    const { loop } = await f.start('inc-1')
    // Retrain and make the challenger, as a process that died right after creating the rollout would have.
    const engine = f.loops as unknown as { retrain(l: typeof loop): Promise<typeof loop> }
    const challenger = await engine.retrain(loop)
    expect(challenger.state).toBe('challenger')
    const created = await f.delivery.create('linear', {
      candidate: challenger.version as number,
      steps: [50, 100],
    })
    const resumed = await f.loops.advance(loop.id)
    expect(resumed).toMatchObject({ state: 'rolling-out', revision: created.revision })
    expect((await f.delivery.history('linear')).revisions).toHaveLength(2)
  })

  it('runs a shadow phase first and starts the canary when every shadow guard passed', async () => {
    const f = await openLoopFixture(await openFresh())
    const { loop } = await f.start('inc-1', {
      rollout: { steps: [50, 100], intervalMs: 1000, shadowFirst: { guards: ['disagreement<=0.01@10'] } },
    })
    const shadowing = await f.loops.advance(loop.id)
    expect(shadowing.state).toBe('shadowing')
    const d = await f.delivery.store.get('linear')
    expect(d.policy).toMatchObject({ strategy: 'shadow', autoPromote: false, candidate: shadowing.version })
    // No verdict yet: it waits.
    expect((await f.loops.advance(loop.id)).state).toBe('shadowing')
    const guard = { metric: 'disagreement', max: 0.01, value: 0, samples: 10, minSamples: 10, champion: null }
    const evidence = {
      guards: [{ ...guard, outcome: 'pass' as const }],
      candidate: { version: shadowing.version as number, calls: 10, errors: 0, p99Ms: 1 },
      champion: { version: 1, calls: 10, errors: 0, p99Ms: 1 },
      windowMs: 1000,
    }
    await f.delivery.hold(
      d,
      'rollout-engine',
      'every guard passed at the last step',
      evidence,
      f.clock.t + 1000,
    )
    const canary = await f.loops.advance(loop.id)
    expect(canary.state).toBe('rolling-out')
    const c = await f.delivery.store.get('linear')
    expect(c.policy).toMatchObject({
      strategy: 'canary',
      candidate: shadowing.version,
      status: 'progressing',
    })
    expect((await f.delivery.history('linear')).revisions.map((r) => r.action)).toEqual([
      'create',
      'create',
      'abort',
      'create',
    ])
  })

  it('ends a shadow phase whose guard failed as rolled back', async () => {
    const f = await openLoopFixture(await openFresh())
    const { loop } = await f.start('inc-1', { rollout: { shadowFirst: true } })
    await f.loops.advance(loop.id)
    await f.delivery.rollback('linear', { reason: 'guard error_rate failed' })
    expect(await f.loops.advance(loop.id)).toMatchObject({
      state: 'rolled-back',
      reason: expect.stringMatching(/^shadow of version \d+ rolled back: guard error_rate failed/),
    })
  })

  it('fails a loop whose deployment does not exist, naming it', async () => {
    const f = await openLoopFixture(await openFresh())
    const { loop } = await f.start('inc-1', { deployment: 'nowhere' })
    expect(await f.loops.advance(loop.id)).toMatchObject({
      state: 'failed',
      reason: 'deployment "nowhere" does not exist; create it with "strata deploy create nowhere"',
    })
  })
})

it('validates a retrain action when the monitor is declared', () => {
  const base = { name: 'm', model: 'x', window: { every: '1h', source: { kind: 'payload-log' as const } } }
  const retrain = { kind: 'retrain' as const, pipeline: 'train', registerStep: 'register', deployment: 'x' }
  expect(() => monitor({ ...base, actions: [{ ...retrain, deployment: '' }] })).toThrow(
    /a retrain action needs deployment/,
  )
  expect(() => monitor({ ...base, actions: [{ ...retrain, cooldown: 'soon' }] })).toThrow(
    /retrain cooldown "soon" is not a duration/,
  )
  expect(() => monitor({ ...base, actions: [{ ...retrain, maxPerDay: 0 }] })).toThrow(
    /maxPerDay 0 is invalid/,
  )
  expect(() =>
    monitor({ ...base, actions: [{ ...retrain, rollout: { strategy: 'ab' as 'canary' } }] }),
  ).toThrow(/rollout.strategy "ab" is invalid/)
  expect(() =>
    monitor({ ...base, actions: [{ ...retrain, gate: { min: { auc: 'high' as unknown as number } } }] }),
  ).toThrow(/gate.min.auc "high" is not a number/)
  expect(() =>
    monitor({ ...base, actions: [{ ...retrain, rollout: { shadowFirst: { guards: ['agreement<=1'] } } }] }),
  ).toThrow(/monitor "m": retrain rollout guard: .*agreement/)
  expect(monitor({ ...base, actions: [retrain] }).actions).toEqual([retrain])
})

describeMetadata('the closed loop on several servers', (openFresh) => {
  it('two processes advancing one loop at once make one retrain, one challenger and one rollout', async () => {
    const md = await openFresh()
    const a = await openLoopFixture(md)
    const b = await openLoopFixture(md, { create: false })
    const { loop } = await a.start('inc-1')
    await Promise.all([a.loops.advance(loop.id), b.loops.advance(loop.id)])
    const after = await a.store.get(loop.id)
    expect(after.state).toBe('rolling-out')
    expect([...a.registered, ...b.registered]).toEqual([after.version])
    expect((await a.engine.runs({ pipeline: 'train' })).map((r) => r.runId)).toEqual([after.runId])
    expect((await a.delivery.history('linear')).revisions.map((r) => r.policy.candidate)).toEqual([
      null,
      after.version,
    ])
  })
})
