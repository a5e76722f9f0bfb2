import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/api/server-app.js'
import { describeStatus } from '../../src/cli/commands/deploy.js'
import { openStrata, type Strata } from '../../src/platform/index.js'
import type {
  DeliveryController,
  DeliveryService,
  ModelServer,
  StoredTensor,
} from '../../src/serving/index.js'
import { registerScorers, scorerLabel, seeded } from '../support/delivery-models.js'
import { injectFetch } from '../support/inject-fetch.js'

const INTERVAL = 60_000

/**
 * Label-based guards end to end on the embedded backends: canary traffic through the model
 * server, predictions in the payload log, delayed labels ingested through monitoring (by
 * prediction id), decisions by the delivery controller, read back over REST and as the CLI
 * prints them.
 */
describe('label-based guards on a canary rollout', () => {
  let dir: string
  let strata: Strata
  let delivery: DeliveryService
  let controller: DeliveryController
  let server: ModelServer
  let versions: Awaited<ReturnType<typeof registerScorers>>
  let fetch: (request: Request) => Promise<Response>
  const clock = { t: 1_000_000 }
  const rand = seeded(5)
  /** The truth of every row sent, by its features. */
  const truth = new Map<string, number>()
  const labelled = new Set<string>()

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-label-guards-'))
    strata = await openStrata({
      cwd: dir,
      config: { project: 'label-guards' },
      clock: { now: () => clock.t },
    })
    versions = await registerScorers(await strata.registry())
    delivery = await strata.delivery()
    server = await strata.serving()
    controller = await strata.deliveryController({ random: seeded(13) })
    fetch = injectFetch(await createServerApp(strata, { version: '0.0.0' }))
  }, 60_000)
  afterAll(async () => {
    await strata.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Sends `n` one-row requests (in waves of 25) and logs their truth. */
  async function traffic(name: string, n: number): Promise<void> {
    for (let i = 0; i < n; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, n - i) }, () => {
          const row = [Math.fround(rand()), Math.fround(rand()), Math.fround(rand())]
          truth.set(row.join(','), scorerLabel(row, rand))
          return server.infer(name, undefined, {
            inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], values: Float32Array.from(row) }],
          })
        }),
      )
    }
    await controller.router(name)?.settled()
    await server.flushPayloadLog()
  }

  /** Ingests the labels of every logged prediction of `name` that has none yet (the delayed truth arriving). */
  async function ingestLabels(name: string): Promise<number> {
    const payloads = await strata.payloads()
    const labels: { predictionId: string; label: number }[] = []
    let pageToken: string | undefined
    do {
      const page = await payloads.query({ endpoint: name, limit: 1000, ...(pageToken ? { pageToken } : {}) })
      for (const r of page.records) {
        if (labelled.has(r.id)) continue
        const key = (r.inputs.features as StoredTensor).data.join(',')
        const label = truth.get(key)
        if (label === undefined) throw new Error(`no truth for features ${key}`)
        labels.push({ predictionId: r.id, label })
        labelled.add(r.id)
      }
      pageToken = page.nextPageToken
    } while (pageToken !== undefined)
    if (labels.length > 0) await (await strata.monitoring()).ingestLabels(labels)
    return labels.length
  }

  async function interval(name: string, requests: number, withLabels = true): Promise<string> {
    await traffic(name, requests)
    if (withLabels) await ingestLabels(name)
    clock.t += INTERVAL
    await controller.tick()
    return (await delivery.status(name)).policy.status
  }

  it('holds while labels are missing, then rolls back a significantly worse candidate with the evidence', async () => {
    await delivery.create('worse', {
      model: 'scorer',
      candidate: versions.worse,
      steps: [50, 100],
      intervalMs: INTERVAL,
      guards: ['error_rate<=0.05@100', 'auc_drop<=0.05@200'],
    })
    await controller.sync()
    // traffic but no labels yet: the label guard waits and the step holds (it neither passes nor fails)
    expect(await interval('worse', 300, false)).toBe('progressing')
    const held = await delivery.status('worse')
    expect(held.weight).toBe(50)
    expect(held.lastDecision?.action).toBe('hold')
    expect(held.lastDecision?.reason).toMatch(/^holding at 50 %: auc_drop: waiting for labels \(0\/200\)/)

    // the labels arrive: the candidate's AUC is far below the champion's, so it is rolled back
    expect(await interval('worse', 300)).toBe('rolled-back')
    const status = await delivery.status('worse')
    const decision = status.lastDecision
    expect(decision?.action).toBe('rollback')
    expect(decision?.reason).toMatch(
      /^guard auc_drop: candidate AUC 0\.\d+ vs champion 0\.\d+ \(difference -0\.\d+, 95 % CI \[-0\.\d+, -0\.\d+\], n = \d+\/\d+\) is worse by more than the margin 0\.05 \(p = [\d.e-]+, delong\) failed at 50 %$/,
    )
    const guard = decision?.evidence?.guards.find((g) => g.metric === 'auc_drop')
    expect(guard?.outcome).toBe('fail')
    const t = guard?.test
    expect(t?.test).toBe('delong')
    expect(t?.nCandidate).toBeGreaterThanOrEqual(200)
    expect(t?.nChampion).toBeGreaterThanOrEqual(200)
    expect(t?.champion as number).toBeGreaterThan(0.8)
    expect(t?.candidate as number).toBeLessThan(0.75)
    expect(t?.interval?.[1]).toBeLessThan(-0.05)

    // the REST status carries the same evidence
    const rest = await fetch(new Request('http://strata.test/api/deployments/worse'))
    expect(rest.status).toBe(200)
    const body = (await rest.json()) as typeof status
    expect(body.lastDecision?.evidence?.guards.find((g) => g.metric === 'auc_drop')?.test).toEqual(t)
    // and `strata deploy status` prints both values, the interval and n
    const text = describeStatus(status)
    expect(text).toContain('guards: error_rate<=0.05@100, auc_drop<=0.05@200')
    expect(text).toMatch(
      /auc_drop: candidate AUC 0\.\d+ vs champion 0\.\d+ .*95 % CI .* n = \d+\/\d+.*p\(worse by more than 0\.05\)/,
    )
  }, 120_000)

  it('advances and promotes a candidate that is significantly not worse', async () => {
    await delivery.create('good', {
      model: 'scorer',
      candidate: versions.good,
      steps: [50, 100],
      intervalMs: INTERVAL,
      guards: ['error_rate<=0.05@100', 'auc_drop<=0.05@300', 'log_loss_increase<=0.1@300,confidence=0.9'],
    })
    await controller.sync()
    const statuses: string[] = []
    for (let i = 0; i < 6; i++) {
      const s = await interval('good', 1000)
      statuses.push(s)
      if (s !== 'progressing') break
    }
    expect(statuses.at(-1)).toBe('promoted')
    const { decisions } = await delivery.history('good')
    const advance = decisions.find((d) => d.action === 'advance')
    expect(advance?.reason).toMatch(/every guard passed at 50 %/)
    const auc = advance?.evidence?.guards.find((g) => g.metric === 'auc_drop')
    expect(auc?.outcome).toBe('pass')
    // significantly not worse: the whole interval lies within the margin
    expect(-(auc?.test?.interval?.[0] ?? Number.NaN)).toBeLessThanOrEqual(0.05)
    expect(advance?.evidence?.guards.find((g) => g.metric === 'log_loss_increase')?.test?.confidence).toBe(
      0.9,
    )
    // at the 100 % step the champion's labelled answers of the 50 % step still count
    const promote = decisions.find((d) => d.action === 'promote')
    expect(promote?.evidence?.guards.find((g) => g.metric === 'auc_drop')?.test?.nChampion).toBeGreaterThan(
      300,
    )
    expect((await (await strata.registry()).getVersionByAlias('scorer', 'champion')).version).toBe(
      versions.good,
    )
  }, 180_000)
})
