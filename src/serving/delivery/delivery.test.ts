import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerChallengers, seeded } from '../../../test/support/delivery-models.js'
import { linearSignature } from '../../../test/support/serving-models.js'
import { strataRejection } from '../../../test/support/strata-error.js'
import { openStrata, type Strata } from '../../platform/index.js'
import type { ModelServer } from '../model-server.js'
import type { InferTensor } from '../tensor.js'
import type { DeliveryController } from './delivery-controller.js'
import type { DeliveryService } from './delivery-service.js'
import type { RoutedPrediction } from './endpoint-router.js'

const INTERVAL = 60_000

function features(rows: number[][]): InferTensor {
  return {
    name: 'features',
    datatype: 'FP32',
    shape: [rows.length, 3],
    values: Float32Array.from(rows.flat()),
  }
}

describe('progressive delivery on the embedded backends', () => {
  let dir: string
  let strata: Strata
  let delivery: DeliveryService
  let controller: DeliveryController
  let server: ModelServer
  let versions: Awaited<ReturnType<typeof registerChallengers>>
  const clock = { t: 1_000_000 }
  const predictions: RoutedPrediction[] = []
  const rand = seeded(7)

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-delivery-'))
    strata = await openStrata({
      cwd: dir,
      config: { project: 'delivery-test' },
      clock: { now: () => clock.t },
    })
    versions = await registerChallengers(await strata.registry())
    delivery = await strata.delivery()
    server = await strata.serving()
    controller = await strata.deliveryController({
      random: seeded(11),
      onPrediction: (p) => predictions.push(p),
    })
  }, 60_000)
  afterAll(async () => {
    await strata.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Sends `n` requests (in waves of 25), waits for the off-path work, and returns the client-visible failures. */
  async function traffic(
    name: string,
    n: number,
    headers?: (i: number) => Record<string, string>,
  ): Promise<number> {
    let failures = 0
    for (let i = 0; i < n; i += 25) {
      const wave = Array.from({ length: Math.min(25, n - i) }, (_, j) =>
        server
          .infer(
            name,
            undefined,
            { inputs: [features([[rand() * 4, rand() * 4, rand() * 4]])] },
            { headers: headers?.(i + j) ?? {} },
          )
          .then(
            () => undefined,
            () => {
              failures++
            },
          ),
      )
      await Promise.all(wave)
    }
    await controller.router(name)?.settled()
    return failures
  }

  /** Runs intervals of traffic until the rollout ends (or `max` intervals); returns the intervals run and the client failures. */
  async function rollout(name: string, perInterval: number, max: number) {
    let failures = 0
    for (let i = 1; i <= max; i++) {
      failures += await traffic(name, perInterval)
      clock.t += INTERVAL
      await controller.tick()
      const status = (await delivery.status(name)).policy.status
      if (status !== 'progressing') return { intervals: i, failures, status }
    }
    return { intervals: max, failures, status: (await delivery.status(name)).policy.status }
  }

  it('rejects bad rollouts before anything changes', async () => {
    await delivery.create('guarded', { model: 'linear' })
    const before = await delivery.history('guarded')
    const cases: [Parameters<DeliveryService['create']>[1], string, RegExp][] = [
      [
        {
          candidate: versions.good,
          strategy: 'ab',
          split: { [versions.champion]: 90, [versions.good]: 20 },
          sticky: { header: 'x-user' },
        },
        'INVALID_ARGUMENT',
        /sum to 110; they must sum to 100/,
      ],
      [
        { candidate: 99 },
        'NOT_FOUND',
        /candidate version 99 of model "linear" does not exist \(versions: 1, 2/,
      ],
      [
        { candidate: versions.otherInputs },
        'FAILED_PRECONDITION',
        /takes inputs x:FP32.* but the champion \(version 1\) takes features:FP32/,
      ],
      [
        { candidate: versions.good, guards: ['throughput<=3'] },
        'INVALID_ARGUMENT',
        /guard metric "throughput" does not exist; expected one of error_rate/,
      ],
      [
        { candidate: versions.good, guards: ['auc<=0.1'] },
        'INVALID_ARGUMENT',
        /guard metric "auc" does not exist; label-based guards .* use auc_drop/,
      ],
      [
        { candidate: versions.good, guards: ['auc_drop<=0.02@100,confidence=1.5'] },
        'INVALID_ARGUMENT',
        /confidence "1.5" is invalid; expected a level from 0.5 to below 1/,
      ],
      [
        { candidate: versions.good, guards: ['error_rate<=0.02,confidence=0.9'] },
        'INVALID_ARGUMENT',
        /guard error_rate takes no confidence; only label-based guards/,
      ],
      [{ candidate: versions.good, steps: [50, 10] }, 'INVALID_ARGUMENT', /decrease at 10/],
      [
        { candidate: versions.good, strategy: 'ab', split: { [versions.champion]: 90, [versions.good]: 10 } },
        'INVALID_ARGUMENT',
        /needs a sticky key/,
      ],
    ]
    for (const [input, code, message] of cases) {
      const err = await strataRejection(delivery.create('guarded', input))
      expect(err.code, String(message)).toBe(code)
      expect(err.message).toMatch(message)
    }
    await delivery.create('guarded', { candidate: versions.good, intervalMs: INTERVAL })
    const second = await strataRejection(delivery.create('guarded', { candidate: versions.slow }))
    expect(second.code).toBe('CONFLICT')
    expect(second.message).toMatch(
      /already has a rollout progressing \(revision 2: version 2 against champion 1\)/,
    )
    const after = await delivery.history('guarded')
    expect(after.revisions).toHaveLength(before.revisions.length + 1)
    await delivery.abort('guarded')
  })

  it('records revisions with who, when and why, linked in lineage', async () => {
    const { revisions } = await delivery.history('guarded')
    expect(revisions.map((r) => [r.revision, r.action, r.actor])).toEqual([
      [1, 'create', expect.any(String)],
      [2, 'create', expect.any(String)],
      [3, 'abort', expect.any(String)],
    ])
    expect(revisions[1]?.reason).toBe('canary rollout of version 2')
    const up = await (await strata.lineage()).upstream('deployment:guarded/2')
    expect(up.nodes.map((n) => n.id).sort()).toEqual([
      'deployment:guarded/2',
      'model-version:linear/1',
      'model-version:linear/2',
    ])
  })

  it('promotes a good challenger step by step and moves the champion alias', async () => {
    await delivery.create('good', {
      model: 'linear',
      candidate: versions.good,
      steps: [10, 50, 100],
      intervalMs: INTERVAL,
      guards: ['error_rate<=0.02@30', 'disagreement<=0.01@30', 'output_psi<=0.25@150'],
    })
    await controller.sync()
    const { intervals, failures, status } = await rollout('good', 400, 10)
    const { decisions } = await delivery.history('good')
    expect(status, JSON.stringify(decisions.at(-1))).toBe('promoted')
    expect(failures).toBe(0)
    const actions = decisions.map((d) => d.action)
    expect(actions[0]).toBe('create')
    expect(actions.at(-1)).toBe('promote')
    expect(actions.filter((a) => a === 'advance')).toHaveLength(2)
    expect(intervals).toBe(actions.length - 1)
    const promote = decisions.at(-1)
    expect(promote?.evidence?.guards.every((g) => g.outcome === 'pass')).toBe(true)
    expect(promote?.evidence?.candidate.calls).toBeGreaterThan(150)
    // judged samples are not kept: the evidence is
    expect(await delivery.store.samples('good', (promote?.revision ?? 1) - 1)).toEqual([])
    expect((await (await strata.registry()).getVersionByAlias('linear', 'champion')).version).toBe(
      versions.good,
    )
    // the old champion stays warm for an instant rollback
    expect(server.model('good', String(versions.champion)).version).toBe(versions.champion)
    await (await strata.registry()).setAlias('linear', 'champion', versions.champion)
  })

  it("judges latency_p99_ratio at a 100 % step on the champion's comparison re-runs, so it promotes", async () => {
    await delivery.create('ratio', {
      model: 'linear',
      candidate: versions.good,
      steps: [50, 100],
      intervalMs: INTERVAL,
      // loose: this proves the 100 % step has a champion latency to divide by, not a speed
      guards: ['error_rate<=0.02@30', 'latency_p99_ratio<=50@30'],
    })
    await controller.sync()
    const { status } = await rollout('ratio', 200, 4)
    const { decisions } = await delivery.history('ratio')
    expect(status, JSON.stringify(decisions.at(-1))).toBe('promoted')
    // at 100 % the champion answers no client: its latency comes from re-running requests to compare
    const promote = decisions.at(-1)
    expect(promote?.reason).toMatch(/at the last step \(100 %\)/)
    const ratio = promote?.evidence?.guards.find((g) => g.metric === 'latency_p99_ratio')
    expect(ratio?.outcome).toBe('pass')
    expect(ratio?.samples).toBeGreaterThanOrEqual(30)
    expect(promote?.evidence?.champion.calls).toBe(0)
    await (await strata.registry()).setAlias('linear', 'champion', versions.champion)
  })

  it('measures disagreement in rows of a [N, 2] output (a row differs when any column does)', async () => {
    const registry = await strata.registry()
    const pair = (second: string) => `
export function predict(inputs: Record<string, { dims: number[]; data: Float32Array }>) {
  const x = inputs.features, n = x.dims[0], out = new Float32Array(n * 2)
  for (let i = 0; i < n; i++) { out[i * 2] = 0.25; out[i * 2 + 1] = ${second} }
  return { probabilities: { dims: [n, 2], data: out } }
}`
    const signature = {
      inputs: [{ name: 'features', type: 'float32', shape: ['N', 3] }],
      outputs: [{ name: 'probabilities', type: 'float32', shape: ['N', 2] }],
    }
    const files = (code: string) => [{ path: 'predictor.ts', bytes: new TextEncoder().encode(code) }]
    // the candidate differs from the champion in column 1 of the rows whose first feature is above 1
    await registry.registerVersion('pair', { files: files(pair('0.75')), signature })
    await registry.registerVersion('pair', {
      files: files(pair('x.data[i * 3] > 1 ? 0.5 : 0.75')),
      signature,
    })
    await registry.setAlias('pair', 'champion', 1)
    await delivery.create('pair', {
      candidate: 2,
      steps: [100],
      intervalMs: INTERVAL,
      guards: ['disagreement<=1@10'],
    })
    await controller.sync()
    for (let i = 0; i < 10; i++) {
      await server.infer('pair', undefined, {
        inputs: [
          features([
            [i < 4 ? 2 : 0, 0, 0],
            [0, 0, 0],
          ]),
        ],
      })
    }
    await controller.router('pair')?.settled()
    await controller.flush()
    const { revision } = await delivery.status('pair')
    const samples = await delivery.store.samples('pair', revision)
    const stats = samples.find((r) => r.role === 'candidate')?.stats
    // 10 requests of 2 rows each: 20 rows compared (not 40 values), 4 of them differing
    expect(stats?.compared).toBe(20)
    expect(stats?.disagreed).toBe(4)
    await delivery.abort('pair')
  })

  for (const [bad, guards] of [
    ['errors10', ['error_rate<=0.02@50']],
    ['slow', ['latency_p99_ms<=8@50']],
    ['constant', ['disagreement<=0.05@50', 'output_psi<=0.25@50']],
  ] as const) {
    it(`rolls back the ${bad} challenger within two intervals, with client errors within budget`, async () => {
      const name = `bad-${bad}`
      await delivery.create(name, {
        model: 'linear',
        candidate: versions[bad],
        steps: [25, 50, 100],
        intervalMs: INTERVAL,
        guards: [...guards],
      })
      await controller.sync()
      const { intervals, failures, status } = await rollout(name, 300, 4)
      expect(status).toBe('rolled-back')
      expect(intervals).toBeLessThanOrEqual(2)
      // budget: the guard's error rate over every request; the champion answers the candidate's failures
      expect(failures).toBeLessThanOrEqual(Math.floor(0.02 * 300 * intervals))
      const last = (await delivery.history(name)).decisions.at(-1)
      expect(last?.action).toBe('rollback')
      expect(last?.actor).toBe('rollout-engine')
      expect(last?.evidence?.guards.some((g) => g.outcome === 'fail' && g.samples >= g.minSamples)).toBe(true)
      expect(last?.reason).toMatch(/^guard .* failed at 25 %/)
      // all traffic is back on the champion
      const after = await server.infer(name, undefined, { inputs: [features([[1, 1, 1]])] })
      expect(after.modelVersion).toBe(String(versions.champion))
      expect(after.deployment).toMatchObject({ role: 'champion', fallback: false })
    }, 120_000)
  }

  it('sticky A/B: the same key always gets the same version, and the response names it', async () => {
    await delivery.create('ab', {
      model: 'linear',
      candidate: versions.good,
      strategy: 'ab',
      split: { [versions.champion]: 50, [versions.good]: 50 },
      sticky: { header: 'x-user-id' },
      intervalMs: INTERVAL,
    })
    await controller.sync()
    const seen = new Map<string, Set<string>>()
    for (let round = 0; round < 3; round++) {
      for (let u = 0; u < 40; u++) {
        const r = await server.infer(
          'ab',
          undefined,
          { inputs: [features([[u, 0, 0]])] },
          { headers: { 'x-user-id': `user-${u}` } },
        )
        const set = seen.get(`user-${u}`) ?? new Set()
        set.add(r.modelVersion)
        seen.set(`user-${u}`, set)
        expect(r.deployment?.role).toBe(r.modelVersion === String(versions.good) ? 'candidate' : 'champion')
      }
    }
    expect([...seen.values()].every((s) => s.size === 1)).toBe(true)
    const versionsSeen = new Set([...seen.values()].flatMap((s) => [...s]))
    expect(versionsSeen).toEqual(new Set([String(versions.champion), String(versions.good)]))
    await delivery.abort('ab')
  })

  it('shadow: mirrored off the request path, never returned, logged under the same request id', async () => {
    await delivery.create('shadow', {
      model: 'linear',
      candidate: versions.constant,
      strategy: 'shadow',
      intervalMs: INTERVAL,
      guards: ['disagreement<=0.05@20'],
    })
    await controller.sync()
    predictions.length = 0
    for (let i = 0; i < 20; i++) {
      const r = await server.infer('shadow', undefined, { id: `req-${i}`, inputs: [features([[i, 1, 1]])] })
      expect(r.modelVersion).toBe(String(versions.champion))
    }
    await controller.router('shadow')?.settled()
    const byId = new Map<string, string[]>()
    for (const p of predictions)
      byId.set(p.requestId, [...(byId.get(p.requestId) ?? []), `${p.role}:${p.version}`])
    for (let i = 0; i < 20; i++) {
      expect(byId.get(`req-${i}`)?.sort()).toEqual([
        `primary:${versions.champion}`,
        `shadow:${versions.constant}`,
      ])
    }
    // the payload log holds both answers under the request id, the mirrored one marked
    await server.flushPayloadLog()
    const { records } = await (await strata.payloads()).query({ endpoint: 'shadow', limit: 100 })
    const revision = String((await delivery.status('shadow')).revision)
    const logged = records
      .filter((r) => r.requestId === 'req-3')
      .map((r) => [r.modelVersion, r.deploymentRevision])
    expect(logged.sort()).toEqual([
      [versions.champion, revision],
      [versions.constant, `${revision}/shadow`],
    ])
    await controller.tick()
    expect((await delivery.status('shadow')).policy.status).toBe('rolled-back')
  })

  it('completes a promotion whose alias move was lost (the process died in between)', async () => {
    const registry = await strata.registry()
    await delivery.create('crashy', { model: 'linear', candidate: versions.good, intervalMs: INTERVAL })
    clock.t += 1
    const d = await delivery.store.get('crashy')
    // what a process killed between writing the revision and moving the alias leaves behind
    await delivery.tryWrite('crashy', {
      from: d.revision,
      policy: {
        ...d.policy,
        champion: versions.good,
        candidate: null,
        previous: versions.champion,
        status: 'promoted',
      },
      action: 'promote',
      actor: 'rollout-engine',
      reason: 'every guard passed',
      evidence: null,
      evaluateAt: null,
      at: clock.t,
    })
    expect((await registry.getVersionByAlias('linear', 'champion')).version).toBe(versions.champion)
    await controller.tick()
    expect((await registry.getVersionByAlias('linear', 'champion')).version).toBe(versions.good)
    expect((await registry.aliasHistory('linear', { alias: 'champion' })).at(-1)?.reason).toMatch(
      /deployment crashy r2: every guard passed \(completed\)/,
    )
    await controller.tick()
    expect((await registry.aliasHistory('linear', { alias: 'champion' })).at(-1)?.toVersion).toBe(
      versions.good,
    )
    clock.t += 1
    await registry.setAlias('linear', 'champion', versions.champion)
  })

  it('sends every decision, with its evidence, to the webhooks', async () => {
    const received: { deployment: string; decision: { action: string; evidence: unknown } }[] = []
    const hook = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => {
        body += c.toString()
      })
      req.on('end', () => {
        received.push(JSON.parse(body))
        res.end('ok')
      })
    })
    await new Promise<void>((done) => hook.listen(0, '127.0.0.1', done))
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`
    try {
      await delivery.create('hooked', {
        model: 'linear',
        candidate: versions.errors10,
        steps: [50],
        intervalMs: INTERVAL,
        guards: ['error_rate<=0.02@40'],
        webhooks: [url],
      })
      await controller.sync()
      await traffic('hooked', 200)
      await controller.tick()
      expect(received.map((r) => [r.deployment, r.decision.action])).toEqual([
        ['hooked', 'create'],
        ['hooked', 'rollback'],
      ])
      expect(received[1]?.decision.evidence).toMatchObject({
        guards: [{ metric: 'error_rate', outcome: 'fail' }],
      })
    } finally {
      hook.close()
    }
  })

  it('a candidate that fails to load leaves all traffic on the champion and is rolled back at once', async () => {
    const registry = await strata.registry()
    const broken = await registry.registerVersion('linear', {
      files: [
        {
          path: 'predictor.ts',
          bytes: new TextEncoder().encode('export function predict() { throw new Error("cannot start") }'),
        },
      ],
      signature: await linearSignature(),
    })
    await delivery.create('unloadable', { model: 'linear', candidate: broken.version, intervalMs: INTERVAL })
    await controller.sync()
    const r = await server.infer('unloadable', undefined, { inputs: [features([[1, 2, 3]])] })
    expect(r.modelVersion).toBe(String(versions.champion))
    await controller.tick()
    const last = (await delivery.history('unloadable')).decisions.at(-1)
    expect(last).toMatchObject({ action: 'rollback', actor: 'rollout-engine' })
    expect(last?.reason).toMatch(/^candidate version \d+ failed to load: .*cannot start/)
  })

  it('blue-green: switches all traffic at once, keeps the champion warm, falls back on candidate failure, and rolls back at once', async () => {
    await delivery.create('bg', {
      model: 'linear',
      candidate: versions.errors10,
      strategy: 'blue-green',
      intervalMs: INTERVAL,
      guards: ['error_rate<=0.5@1000'],
    })
    await controller.sync()
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        server.infer('bg', undefined, { inputs: [features([[i, 0, 0]])] }),
      ),
    )
    const fallbacks = answers.filter((a) => a.deployment?.fallback)
    expect(fallbacks.length).toBeGreaterThan(0)
    expect(fallbacks.every((a) => a.modelVersion === String(versions.champion))).toBe(true)
    expect(
      answers
        .filter((a) => !a.deployment?.fallback)
        .every((a) => a.modelVersion === String(versions.errors10)),
    ).toBe(true)
    const rolled = await delivery.rollback('bg', { reason: 'manual check' })
    await controller.enforce(rolled)
    const after = await server.infer('bg', undefined, { inputs: [features([[1, 0, 0]])] })
    expect(after.modelVersion).toBe(String(versions.champion))
    expect((await delivery.history('bg')).decisions.at(-1)).toMatchObject({
      action: 'rollback',
      reason: 'manual check',
    })
  })
})

describe('label-based guards without a payload log', () => {
  it('refuses them before anything changes, and still takes serving guards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-delivery-nolog-'))
    const strata = await openStrata({
      cwd: dir,
      config: { project: 'delivery-nolog', payloadLog: { enabled: false } },
    })
    try {
      const versions = await registerChallengers(await strata.registry())
      const delivery = await strata.delivery()
      const err = await strataRejection(
        delivery.create('linear', { candidate: versions.good, guards: ['auc_drop<=0.02@100'] }),
      )
      expect(err.code).toBe('FAILED_PRECONDITION')
      expect(err.message).toMatch(/guard auc_drop judges logged predictions, but the payload log is off/)
      expect(await delivery.list()).toEqual([])
      const d = await delivery.create('linear', { candidate: versions.good, guards: ['error_rate<=0.02@20'] })
      expect(d.policy.guards.map((g) => g.metric)).toEqual(['error_rate'])
    } finally {
      await strata.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
