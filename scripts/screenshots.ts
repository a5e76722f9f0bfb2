/**
 * Retakes the README's screenshots of the web UI (`docs/images/lineage.png`,
 * `docs/images/compare-runs.png`) from the current UI, in Debian's Chromium:
 *
 *   npm run build && npm run screenshots                  # a fixture project made here
 *   npm run demo && npm run screenshots -- --project .demo   # the demo's project
 *
 * Without `--project` it makes a small project in a temporary directory: a raw dataset
 * commit, a feature view and a training set made from it, an experiment of three runs (one
 * learning rate each) with step histories of their train and validation losses, and the best
 * run registered as model `flight-delay` with the alias `champion`. With `--project`, it reads
 * that project: the experiment with the most runs (its latest three) and the first model's
 * `champion` (or latest) version. Either way it serves the project with `strata server`'s app
 * on loopback and saves the run comparison and the champion's lineage graph, expanded down to
 * the raw commit, as PNGs (1200×860) into `--out` (default `docs/images`).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createServerApp } from '../src/api/server-app.js'
import { initProject, openStrata, type Strata } from '../src/platform/index.js'
import { linearRegressorToOnnx } from '../src/registry/index.js'
import { launchChromium } from '../test/support/browser.js'

const { values: args } = parseArgs({
  options: {
    project: { type: 'string' },
    out: { type: 'string', default: join(import.meta.dirname, '..', 'docs', 'images') },
  },
})
const webRoot = join(import.meta.dirname, '..', 'web', 'dist')
try {
  statSync(join(webRoot, 'index.html'))
} catch {
  throw new Error(`no built UI at ${webRoot}: run npm run build first`)
}

/** Commits `rows` as `file` to a new dataset `name`; returns its lineage node. */
async function rawCommit(strata: Strata, dir: string, name: string, header: string, rows: string[]) {
  const data = await strata.data()
  await data.createDataset(name)
  const file = join(dir, `${name}.csv`)
  writeFileSync(file, `${header}\n${rows.join('\n')}\n`)
  const commit = await data.commit(name, {
    message: 'January to March',
    changes: [{ path: `${name}.csv`, source: file }],
  })
  return `dataset-commit:${commit.id}`
}

/**
 * A fixture project: two raw commits → three feature views → a training set → three runs (one
 * learning rate each, 80 steps of losses) → the best one registered as `flight-delay` v1, `champion`.
 */
async function seedFixture(strata: Strata, dir: string): Promise<void> {
  const n = Array.from({ length: 200 }, (_, i) => i)
  const flights = await rawCommit(
    strata,
    dir,
    'flights',
    'id,origin,dest,dep_delay',
    n.map((i) => `${i},ORD,${i % 2 ? 'JFK' : 'SFO'},${(i * 7) % 60}`),
  )
  const weather = await rawCommit(
    strata,
    dir,
    'weather',
    'day,airport,precip_mm',
    n.map((i) => `2001-01-${String((i % 28) + 1).padStart(2, '0')},ORD,${i % 9}`),
  )
  const lineage = await strata.lineage()
  const views = [
    { id: 'feature-view-version:airport_delays/1', label: 'airport_delays v1', from: [flights] },
    { id: 'feature-view-version:route_delays/1', label: 'route_delays v1', from: [flights] },
    { id: 'feature-view-version:airport_weather/1', label: 'airport_weather v1', from: [weather] },
  ]
  for (const v of views)
    await lineage.record({ inputs: v.from, output: { id: v.id, label: v.label }, activity: 'compute' })
  const trainingSet = 'training-set:delay-q1/1'
  await lineage.record({
    inputs: views.map((v) => v.id),
    output: { id: trainingSet, label: 'delay-q1 v1' },
    activity: 'join',
  })

  const tracking = await strata.tracking()
  const runs: { id: string; loss: number }[] = []
  for (const lr of [0.05, 0.1, 0.3]) {
    const run = await tracking.startRun({ experiment: 'flight-delay', name: `gbdt-lr-${lr}` })
    await run.logInput(trainingSet)
    await run.logParams({ learning_rate: lr, max_depth: lr > 0.2 ? 6 : 4, trees: 80 })
    let validation = 0
    for (let step = 0; step < 80; step++) {
      const train = 0.3 + 0.4 * Math.exp(-step * lr * 0.5)
      // a high rate fits fast and then over-fits: its validation loss turns up
      validation = 0.36 + 0.34 * Math.exp(-step * lr * 0.4) + (lr > 0.2 ? 0.0009 * step : 0)
      await run.logMetrics({ train_loss: train, validation_loss: validation }, { step })
    }
    await run.end('FINISHED')
    runs.push({ id: run.runId, loss: validation })
  }
  const best = runs.reduce((a, b) => (b.loss < a.loss ? b : a))
  const registry = await strata.registry()
  const version = await registry.registerVersion('flight-delay', {
    onnx: linearRegressorToOnnx({ coefficients: [[0.2, 0.5]], intercepts: [0.1] }),
    runId: best.id,
    createModel: true,
  })
  await registry.setAlias('flight-delay', 'champion', version.version)
}

/** The runs to compare (the latest three of the experiment with the most) and the model version. */
async function subjects(strata: Strata): Promise<{ runIds: string[]; modelVersion: string }> {
  const tracking = await strata.tracking()
  const experiments = await tracking.experiments.search({ maxResults: 1000 })
  let runIds: string[] = []
  for (const e of experiments.items) {
    const page = await tracking.runs.search({ experimentIds: [e.experimentId], maxResults: 3 })
    if (page.items.length > runIds.length) runIds = page.items.map((r) => r.info.runId)
  }
  if (runIds.length < 2) throw new Error('the project has no experiment with 2 runs or more to compare')
  const registry = await strata.registry()
  const [model] = (await registry.searchModels({})).items
  if (model === undefined) throw new Error('the project has no registered model')
  const version = model.aliases.champion ?? model.latestVersion
  if (version === null) throw new Error(`model ${model.name} has no version`)
  return { runIds, modelVersion: `model-version:${model.name}/${version}` }
}

const fixtureDir = args.project === undefined ? mkdtempSync(join(tmpdir(), 'strata-shots-')) : undefined
const cwd = args.project === undefined ? fixtureDir! : resolve(args.project)
if (fixtureDir !== undefined) initProject(fixtureDir, { name: 'flights' })
const strata = await openStrata({ cwd, env: { STRATA_USER: 'ana' } })
const app = await createServerApp(strata, { version: 'screenshots', webRoot })
const browser = await launchChromium()
try {
  if (fixtureDir !== undefined) await seedFixture(strata, fixtureDir)
  const { runIds, modelVersion } = await subjects(strata)
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const page = await browser.newPage({
    viewport: { width: 1200, height: 860 },
    reducedMotion: 'reduce',
    colorScheme: 'light',
  })
  const settled = async () => {
    await page.locator('main h1').first().waitFor()
    await page.waitForFunction(`document.querySelectorAll('main .loading').length === 0`)
  }

  await page.goto(`${url}/#/compare-runs?runs=${runIds.join(',')}`)
  await settled()
  await page.locator('figure.chart canvas').first().waitFor()
  const compare = join(args.out, 'compare-runs.png')
  await page.screenshot({ path: compare })

  // the champion's lineage, every level upstream at once, down to the raw commit
  await page.goto(`${url}/#/lineage/${encodeURIComponent(modelVersion)}?depth=12`)
  await settled()
  await page.locator(`[data-node-id^="dataset-commit:"]`).first().waitFor()
  const lineage = join(args.out, 'lineage.png')
  await page.screenshot({ path: lineage })
  for (const file of [compare, lineage])
    console.log(`${file} (${Math.round(statSync(file).size / 1024)} KiB)`)
  console.log(`compared ${runIds.length} runs; lineage of ${modelVersion}`)
} finally {
  await browser.close()
  await app.close()
  await strata.close()
  if (fixtureDir !== undefined) rmSync(fixtureDir, { recursive: true, force: true })
}
