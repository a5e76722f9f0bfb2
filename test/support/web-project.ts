import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { createServerApp } from '../../src/api/server-app.js'
import { monitor } from '../../src/monitoring/index.js'
import { initProject, openStrata, type Strata } from '../../src/platform/index.js'
import { linearRegressorToOnnx } from '../../src/registry/index.js'
import { openDriverFeatureStore } from './driver-feature-store.js'

/** A value that would run script if any page rendered user strings as HTML. */
export const XSS = `<img src=x onerror="window.__xss=(window.__xss||0)+1">`

/** A diamond-shaped pipeline (run twice: the second run hits the cache) and one that fails. */
const PIPELINES = `import { NonRetryableError, pipeline, step } from 'strata-ml'
const extract = step({ name: 'extract', run: (ctx) => { ctx.log(${JSON.stringify(`extracted 3 rows ${XSS}`)}); return { rows: 3 } } })
const clean = step({ name: 'clean', inputs: { extract }, run: (_c, { extract }) => ({ rows: extract.rows - 1 }) })
const stats = step({ name: 'stats', inputs: { extract }, run: (_c, { extract }) => ({ mean: extract.rows / 2 }) })
const report = step({ name: 'report', inputs: { clean, stats }, run: (_c, { clean, stats }) => ({ text: clean.rows + ' rows, mean ' + stats.mean }) })
export const nightly = pipeline({ name: 'nightly', params: { day: '2026-12-01' }, steps: [extract, clean, stats, report] })
const fails = step({ name: 'fails', run: () => { throw new NonRetryableError('the source table is empty') } })
export const broken = pipeline({ name: 'broken', steps: [fails] })
`

/** What {@link openWebProject} seeded, for the tests to navigate to. */
export interface WebProject extends AsyncDisposable {
  url: string
  dir: string
  strata: Strata
  app: FastifyInstance
  experimentId: string
  runIds: string[]
  model: string
  commitId: string
  trainingSet: string
  /** Two runs of `nightly` (the second all cached) and a failed run of `broken`. */
  pipelineRuns: string[]
}

/**
 * A small project for the web UI's browser tests, served by `strata server`'s app (built UI
 * at `/`, loopback, a free port): a dataset commit, a training set made from it, an experiment
 * of three runs with step metrics, params, tags and artifacts, a registered ONNX model version
 * with the alias `champion` and a second version, two deployments of them (a canary in
 * progress, a shadow rolled back by hand), lineage from the model down to the raw commit, and Feast's driver
 * feature store (applied and materialized). User-controlled
 * strings carry {@link XSS}.
 */
export async function openWebProject(options: { webRoot: string }): Promise<WebProject> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-web-'))
  initProject(dir, { name: 'web-ui-test' })
  writeFileSync(join(dir, 'pipelines.ts'), PIPELINES)
  const strata = await openStrata({
    cwd: dir,
    // steps run in this process (stepThreads 0): the pages show runs, not isolation, and each
    // step thread would compile Strata's source to load pipelines.ts — ~30 s of the suite's
    // 60 s set-up on a loaded machine, which made the set-up time out
    config: { project: 'web-ui-test', pipelines: 'pipelines.ts', stepThreads: 0 },
    env: { STRATA_USER: 'tester' },
  })

  const data = await strata.data()
  await data.createDataset('trips', { description: `trips ${XSS}` })
  const csv = join(dir, 'trips.csv')
  writeFileSync(
    csv,
    `id,city,delay\n1,Paris,3.5\n2,${XSS.replaceAll(',', ' ').replaceAll('"', "'")},7\n3,Oslo,0\n`,
  )
  const commit = await data.commit('trips', {
    message: `raw trips ${XSS}`,
    changes: [{ path: 'trips.csv', source: csv }],
  })

  const lineage = await strata.lineage()
  const trainingSet = 'training-set:trips/1'
  await lineage.record({
    inputs: [`dataset-commit:${commit.id}`],
    output: { id: trainingSet, label: `trips v1 ${XSS}` },
    activity: 'build',
  })

  const tracking = await strata.tracking()
  const runIds: string[] = []
  let experimentId = ''
  for (const [i, lr] of [0.1, 0.05, 0.2].entries()) {
    const run = await tracking.startRun({
      experiment: 'web-ui',
      name: i === 1 ? `run-${i} ${XSS}` : `run-${i}`,
      tags: { note: XSS, team: 'ml' },
    })
    experimentId = (await tracking.runs.get(run.runId)).info.experimentId
    await run.logInput(trainingSet)
    await run.logParams({ lr, model: i === 2 ? 'gbdt' : 'logreg', comment: XSS })
    for (let step = 0; step < 50; step++) {
      await run.logMetrics({ loss: 1 / (1 + step * lr) + i * 0.01, acc: 0.5 + step * lr * 0.01 }, { step })
    }
    await run.logMetrics({ auc: 0.7 + i * 0.05 })
    await run.logArtifact(new TextEncoder().encode(`notes for run ${i}\n${XSS}\n`), 'notes.txt')
    await run.end('FINISHED')
    runIds.push(run.runId)
  }

  const registry = await strata.registry()
  const model = 'delay'
  const onnx = linearRegressorToOnnx({ coefficients: [[1, 2, 3]], intercepts: [0.5] })
  const version = await registry.registerVersion(model, {
    onnx,
    runId: runIds[0]!,
    createModel: true,
    description: `a linear model ${XSS}`,
    metrics: { auc: 0.7 },
    tags: { training_set: trainingSet, note: XSS },
  })
  await registry.setAlias(model, 'champion', version.version, { reason: `first ${XSS}` })

  // deployments: one canary in progress (v2 against v1), one rolled back by hand
  const challenger = linearRegressorToOnnx({ coefficients: [[1, 2, 4]], intercepts: [0.4] })
  await registry.registerVersion(model, { onnx: challenger, runId: runIds[2]!, metrics: { auc: 0.8 } })
  const delivery = await strata.delivery()
  await delivery.create('delay-api', { model, champion: 1, reason: `first deployment ${XSS}` })
  await delivery.create('delay-api', {
    candidate: 2,
    strategy: 'canary',
    steps: [10, 50, 100],
    intervalMs: 3_600_000,
    guards: ['error_rate<=0.05@50'],
  })
  await delivery.create('delay-shadow', { model, champion: 1 })
  await delivery.create('delay-shadow', { candidate: 2, strategy: 'shadow', intervalMs: 3_600_000 })
  await delivery.rollback('delay-shadow', { reason: 'shadow answers differ' })

  // pipelines: two runs of nightly (the second from the cache), one failed run of broken
  const pipelines = await strata.pipelines()
  const pipelineRuns: string[] = []
  for (const name of ['nightly', 'nightly', 'broken']) {
    const run = await pipelines.start(name)
    const result = await pipelines.drive(run.runId).catch((err: unknown) => {
      if (name !== 'broken') throw err
      return undefined
    })
    if (name !== 'broken' && result?.run.status !== 'succeeded') throw new Error(`${name} did not succeed`)
    pipelineRuns.push(run.runId)
  }

  // a monitor of model delay over two hourly windows of scored rows: the first like the
  // reference, the second with column x shifted (drift)
  const hour = 3_600_000
  const lastHour = Math.floor(Date.now() / hour) * hour
  const row = (ts: number, x: number, i: number) =>
    JSON.stringify({ ts, x, carrier: i % 2 === 0 ? 'AA' : 'DL' })
  const reference = Array.from({ length: 300 }, (_, i) => row(lastHour - 3 * hour + i * 1000, i % 10, i))
  const windows = [
    ...Array.from({ length: 300 }, (_, i) => row(lastHour - 2 * hour + i * 1000, (i * 7) % 10, i)),
    ...Array.from({ length: 300 }, (_, i) => row(lastHour - hour + i * 1000, 20 + (i % 10), i)),
  ]
  await data.createDataset('scored')
  const bytes = (rows: string[]) => new TextEncoder().encode(`${rows.join('\n')}\n`)
  await data.commit('scored', {
    message: 'reference',
    changes: [{ path: 'ref.jsonl', bytes: bytes(reference) }],
  })
  await data.commit('scored', { message: 'traffic', changes: [{ path: 's.jsonl', bytes: bytes(windows) }] })
  const monitoring = await strata.monitoring()
  await monitoring.references.compute(model, 1, {
    kind: 'dataset',
    dataset: 'scored',
    ref: 'main',
    path: 'ref.jsonl',
  })
  await monitoring.apply([
    monitor({
      name: 'delay-drift',
      model,
      reference: 1,
      window: {
        every: '1h',
        source: { kind: 'dataset', dataset: 'scored', path: 's.jsonl', timeColumn: 'ts' },
      },
    }),
  ])
  await monitoring.run('delay-drift', { windowEnd: lastHour - hour })
  await monitoring.run('delay-drift', { windowEnd: lastHour })

  // the feature pages read Feast's driver quickstart, applied and materialized (test/support)
  const driver = await openDriverFeatureStore()
  const withDriver = (scope: Strata): Strata =>
    ({ ...scope, features: async () => driver.store, as: (p) => withDriver(scope.as(p) as Strata) }) as Strata
  const served = withDriver(strata)
  const app = await createServerApp(served, { version: 'test', webRoot: options.webRoot })
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    url: address,
    dir,
    strata: served,
    app,
    experimentId,
    runIds,
    model,
    commitId: commit.id,
    trainingSet,
    pipelineRuns,
    [Symbol.asyncDispose]: async () => {
      await app.close()
      await driver.close()
      await strata.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
