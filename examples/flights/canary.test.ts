import { execFileSync } from 'node:child_process'
import { copyFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeploymentDecision, DeploymentRevision } from '../../src/serving/index.js'
import { binaryClassificationMetrics, trainGradientBoostedTrees } from '../../src/training/index.js'
import { type StrataServerProcess, startStrataServer } from '../../test/compat/strata-server-process.js'
import { seeded } from '../../test/support/delivery-models.js'
import { type TempProject, tempProject } from '../../test/support/temp-project.js'
import { MODEL_INPUTS, readSlice, type Slice } from './fti/slices.js'

const here = dirname(fileURLToPath(import.meta.url))
const DAY = 86_400_000
const day = (d: number) => Date.parse('2001-01-01T00:00:00Z') + (d - 1) * DAY
const ENDPOINT = 'flight-delay'
/**
 * Every rollout's guards: serving-path guards and, on the delayed labels, a DeLong test of AUC.
 * The latency bound is loose on purpose: this runs on a shared, busy CI machine, where the p99 of
 * a few hundred calls is mostly its noise; it proves the guard is judged, not a speed.
 */
const GUARDS = [
  'error_rate<=0.01@100',
  'latency_p99_ratio<=10@200',
  'disagreement<=0.3@200',
  'output_psi<=0.3@300',
  'auc_drop<=0.05@400',
]
/** Requests per wave; waves run until the rollout is decided (or MAX_WAVES, a generous bound). */
const WAVE = 200
const CONCURRENCY = 8
const MAX_WAVES = 400

interface Label {
  prediction_id: string
  label: number
}

interface History {
  revisions: DeploymentRevision[]
  decisions: DeploymentDecision[]
}

/**
 * The flights model rolled out on canary through a real `strata server` process, from a fresh
 * project on the embedded backends: the example's feature definitions over a slice of the real
 * departures (vega-datasets flights-3m), a champion trained on two days, then (a) a challenger
 * retrained on four days, advanced step by step and promoted by the rollout engine, and (b) a
 * challenger trained on shuffled labels, rolled back by it. The traffic is real departures with
 * their point-in-time features, one per `POST /v2/models/flight-delay/infer`; their real delay
 * outcome arrives as delayed labels through `POST /api/monitoring/labels`. Both rollouts are
 * judged on the stored decisions and evidence (`strata deploy history --json`), the champion
 * alias, and the errors the client saw.
 */
describe('flights canary through strata server: a good challenger promoted, a bad one rolled back', () => {
  let project: TempProject
  let server: StrataServerProcess
  let traffic: Slice
  const rand = seeded(2001)
  const aucs: Record<string, number> = {}

  beforeAll(async () => {
    project = await tempProject('strata-flights-canary-')
    expect((await project.cli('init')).code).toBe(0)
    copyFileSync(join(here, 'strata.config.ts'), join(project.dir, 'strata.config.ts'))
    copyFileSync(join(here, 'features.ts'), join(project.dir, 'features.ts'))
    // the first 120 000 departures of 2001 (1–8 January)
    execFileSync(process.execPath, [join(here, 'prepare.mjs'), join(project.dir, 'data'), '--rows', '120000'])
    await ok('data', 'create', 'flights')
    await ok('data', 'commit', 'flights', 'data/flights.parquet', 'data/labels-q1.parquet', '-m', 'raw')
    await ok('apply')
    await ok(
      'features',
      'training-set',
      '--service',
      'delay_model',
      '--entity-rows',
      'flights@main:labels-q1.parquet',
      '--out',
      'set.parquet',
    )
    const set = join(project.dir, 'set.parquet')
    const [short, long, validation, test] = await Promise.all([
      readSlice(set, 'champion', { from: day(2), to: day(4) }),
      readSlice(set, 'challenger', { from: day(2), to: day(6) }),
      readSlice(set, 'validation', { from: day(6), to: day(7) }),
      readSlice(set, 'traffic', { from: day(7), to: day(9) }),
    ])
    // rows whose every feature has a value (the JSON tensor route carries no NaN)
    traffic = complete(test)
    expect(traffic.y.length).toBeGreaterThan(5_000)
    const shuffled = Float64Array.from(long.y)
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1))
      ;[shuffled[i], shuffled[j]] = [shuffled[j] as number, shuffled[i] as number]
    }
    const models: [string, Slice, Float64Array][] = [
      ['champion', short, short.y],
      ['good', long, long.y],
      ['shuffled', long, shuffled],
    ]
    for (const [name, slice, y] of models) {
      const model = trainGradientBoostedTrees(slice.x, y, {
        iterations: 40,
        learningRate: 0.2,
        maxDepth: 5,
        maxBins: 64,
        minSamplesLeaf: 100,
        earlyStoppingRounds: 8,
        featureNames: [...MODEL_INPUTS],
        // (the shuffled model runs all its trees: it has nothing to stop early on)
        ...(name === 'shuffled' ? {} : { validation: { x: validation.x, y: validation.y } }),
      })
      aucs[name] = binaryClassificationMetrics(traffic.y, model.predictProba(traffic.x)).auc
      writeFileSync(join(project.dir, `${name}.onnx`), model.toOnnx())
    }
    await ok('models', 'register', ENDPOINT, 'champion.onnx', '--alias', 'champion') // version 1
    await ok('models', 'register', ENDPOINT, 'good.onnx') // version 2
    await ok('models', 'register', ENDPOINT, 'shuffled.onnx') // version 3
    await ok('deploy', 'create', ENDPOINT, '--reason', 'serve the champion')
    server = await startStrataServer(project.dir)
  }, 600_000)

  afterAll(async () => {
    await server?.stop()
    await project?.[Symbol.asyncDispose]()
  })

  async function ok(...args: string[]) {
    const r = await project.cli(...args)
    expect(r.code, `strata ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0)
    return r
  }

  async function history(): Promise<History> {
    return (await ok('deploy', 'history', ENDPOINT, '--json')).json<History>()
  }

  /** One departure as a request; resolves what answered (or the HTTP status of a failure). */
  async function predict(row: number) {
    const res = await fetch(`${server.url}/v2/models/${ENDPOINT}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [
          {
            name: 'features',
            datatype: 'FP32',
            shape: [1, MODEL_INPUTS.length],
            data: Array.from(traffic.x.data.subarray(row * traffic.x.cols, (row + 1) * traffic.x.cols)),
          },
        ],
        outputs: [{ name: 'probabilities' }],
      }),
    })
    const body = (await res.json()) as { model_version?: string; parameters?: { prediction_id?: string } }
    return {
      status: res.status,
      version: body.model_version,
      id: body.parameters?.prediction_id,
      role: res.headers.get('strata-deployment-role'),
      fallback: res.headers.get('strata-deployment-fallback') === 'true',
    }
  }

  /**
   * Delivers the delayed labels of `pending` (the departures' real outcomes, by prediction id)
   * through `POST /api/monitoring/labels`. The server writes its payload log a second or so after
   * answering, and labels of predictions not logged yet are refused by name: those wait for the
   * next delivery. Returns the labels still waiting.
   */
  async function deliverLabels(pending: Label[]): Promise<Label[]> {
    let waiting: Label[] = []
    let labels = pending
    while (labels.length > 0) {
      const res = await fetch(`${server.url}/api/monitoring/labels`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ labels }),
      })
      if (res.status === 200) break
      const body = (await res.json()) as { error: { code: string; details?: { unknown?: string[] } } }
      const unknown = new Set(body.error.details?.unknown ?? [])
      expect(res.status === 404 && unknown.size > 0, JSON.stringify(body)).toBe(true)
      waiting = labels.filter((l) => unknown.has(l.prediction_id))
      labels = labels.filter((l) => !unknown.has(l.prediction_id))
    }
    return waiting
  }

  /**
   * Sends waves of departures (random rows of the traffic days) until the rollout is decided,
   * delivering the real outcomes as delayed labels after each wave; returns the status it ended
   * in, the requests sent, the client-visible errors and the answers per version.
   */
  async function drive() {
    let sent = 0
    let errors = 0
    let pending: Label[] = []
    const versions = new Map<string, number>()
    for (let wave = 0; wave < MAX_WAVES; wave++) {
      for (let i = 0; i < WAVE; i += CONCURRENCY) {
        const answers = await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            const row = Math.floor(rand() * traffic.y.length)
            return { row, answer: await predict(row) }
          }),
        )
        for (const { row, answer } of answers) {
          sent++
          if (answer.status !== 200 || answer.id === undefined) {
            errors++
            continue
          }
          versions.set(String(answer.version), (versions.get(String(answer.version)) ?? 0) + 1)
          pending.push({ prediction_id: answer.id, label: traffic.y[row] as number })
        }
      }
      pending = await deliverLabels(pending)
      const res = await fetch(`${server.url}/api/deployments/${ENDPOINT}`)
      const status = ((await res.json()) as { policy: { status: string } }).policy.status
      if (status !== 'progressing') return { status, sent, errors, versions }
    }
    return { status: 'progressing', sent, errors, versions }
  }

  it('advances a challenger retrained on more days step by step and promotes it, with the evidence', async () => {
    const before = (await history()).decisions.length
    const created = await ok(
      'deploy',
      'create',
      ENDPOINT,
      '--candidate',
      '2',
      '--steps',
      '25,50,100',
      '--interval',
      '2s',
      '--tolerance',
      '0.1',
      '--guard',
      ...GUARDS,
      '--reason',
      'retrained on four days',
    )
    expect(created.stdout).toMatch(/canary of version 2: progressing, step 1 of 3/)
    const run = await drive()
    const { decisions } = await history()
    const rollout = decisions.slice(before)
    expect(run.status, JSON.stringify(rollout.at(-1), null, 1)).toBe('promoted')
    // the client never saw an error: at most the error-rate guard's budget of 1 %
    expect(run.errors).toBeLessThanOrEqual(Math.floor(0.01 * run.sent))
    expect(run.versions.get('2')).toBeGreaterThan(0)

    const actions = rollout.map((d) => d.action).filter((a) => a !== 'hold')
    expect(actions).toEqual(['create', 'advance', 'advance', 'promote'])
    for (const d of rollout.slice(1)) expect(d.actor).toBe('rollout-engine')
    const advances = rollout.filter((d) => d.action === 'advance')
    expect(advances[0]?.reason).toBe('every guard passed at 25 %; advancing to 50 %')
    expect(advances[1]?.reason).toBe('every guard passed at 50 %; advancing to 100 %')
    const promote = rollout.at(-1) as DeploymentDecision
    expect(promote.reason).toBe('every guard passed at the last step (100 %); promoting version 2')
    for (const d of [...advances, promote]) {
      const guards = d.evidence?.guards ?? []
      expect(guards.map((g) => g.metric)).toEqual(GUARDS.map((g) => g.split('<=')[0]))
      for (const g of guards) {
        expect(g.outcome, `${d.action}: ${JSON.stringify(g)}`).toBe('pass')
        expect(g.samples).toBeGreaterThanOrEqual(g.minSamples)
      }
      // the label guard's test on the departures' real outcomes: significantly not worse
      const auc = guards.find((g) => g.metric === 'auc_drop')?.test
      expect(auc?.test).toBe('delong')
      expect(auc?.nCandidate).toBeGreaterThanOrEqual(400)
      expect(auc?.nChampion).toBeGreaterThanOrEqual(400)
      expect(auc?.interval?.[0]).toBeGreaterThanOrEqual(-0.05)
    }
    // at 100 % the champion answers no client; its latency and outputs come from comparison re-runs
    expect(promote.evidence?.champion.calls).toBe(0)
    expect(promote.evidence?.candidate.calls).toBeGreaterThan(0)

    const champion = await ok('models', 'show', `${ENDPOINT}@champion`, '--json')
    expect(champion.json<{ version: number }>().version).toBe(2)
    const after = await predict(0)
    expect(after).toMatchObject({ status: 200, version: '2', role: 'champion' })
  }, 900_000)

  it('rolls back a challenger trained on shuffled labels, with the evidence', async () => {
    expect(aucs.shuffled).toBeLessThan(0.56)
    const before = (await history()).decisions.length
    await ok(
      'deploy',
      'create',
      ENDPOINT,
      '--candidate',
      '3',
      '--steps',
      '25,50,100',
      '--interval',
      '2s',
      '--tolerance',
      '0.1',
      '--guard',
      ...GUARDS,
      '--reason',
      'trained on shuffled labels',
    )
    const run = await drive()
    const { decisions, revisions } = await history()
    const rollout = decisions.slice(before)
    expect(run.status, JSON.stringify(rollout.at(-1), null, 1)).toBe('rolled-back')
    expect(run.errors).toBeLessThanOrEqual(Math.floor(0.01 * run.sent))

    const rollback = rollout.at(-1) as DeploymentDecision
    expect(rollback.action).toBe('rollback')
    expect(rollback.actor).toBe('rollout-engine')
    // rolled back at the first step, at once: no advance, whatever the interval
    expect(rollout.map((d) => d.action).filter((a) => a !== 'hold')).toEqual(['create', 'rollback'])
    expect(rollback.reason).toMatch(/^guard .* failed at 25 %$/)
    const failed = rollback.evidence?.guards.filter((g) => g.outcome === 'fail') ?? []
    expect(failed.length).toBeGreaterThan(0)
    for (const g of failed) {
      expect(rollback.reason).toContain(g.metric)
      expect(g.samples).toBeGreaterThanOrEqual(g.minSamples)
      if (g.test === undefined) expect(g.value as number).toBeGreaterThan(g.max)
    }
    expect(revisions.at(-1)?.policy).toMatchObject({ status: 'rolled-back', champion: 2, candidate: 3 })

    const champion = await ok('models', 'show', `${ENDPOINT}@champion`, '--json')
    expect(champion.json<{ version: number }>().version).toBe(2)
    // all traffic is back on the champion
    for (let i = 0; i < 20; i++) {
      expect(await predict(i)).toMatchObject({ status: 200, version: '2', role: 'champion', fallback: false })
    }
  }, 900_000)
})

/** The rows of `s` whose every feature has a value. */
function complete(s: Slice): Slice {
  const keep: number[] = []
  for (let i = 0; i < s.y.length; i++) {
    let all = true
    for (let j = 0; j < s.x.cols; j++) if (!Number.isFinite(s.x.data[i * s.x.cols + j])) all = false
    if (all) keep.push(i)
  }
  const data = new Float64Array(keep.length * s.x.cols)
  for (const [k, i] of keep.entries())
    data.set(s.x.data.subarray(i * s.x.cols, (i + 1) * s.x.cols), k * s.x.cols)
  return {
    name: s.name,
    x: { rows: keep.length, cols: s.x.cols, data },
    y: Float64Array.from(keep, (i) => s.y[i] as number),
  }
}
