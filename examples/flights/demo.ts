/**
 * The Strata demo (`npm run demo`): the first half of the ML loop on 3 months of real US
 * flights, on the embedded default backends (SQLite, DuckDB, local files).
 *
 *   raw flights → versioned dataset commit → feature views (point-in-time correct) →
 *   training set → gradient-boosted trees trained in TypeScript, tracked as a run →
 *   evaluation on a later, held-out month → ONNX → model registry → alias `champion` →
 *   the champion's lineage down to the raw dataset commit.
 *
 * Every run starts from a fresh project directory (default `.demo/`, or the first argument),
 * so re-running is safe; the project is left behind for `strata -C .demo …` to explore.
 */
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatLineageTree, initProject, openStrata } from 'strata-ml'
import { binaryClassificationMetrics, trainGradientBoostedTrees } from 'strata-ml/training'
import { positiveRate, splitByTime } from './demo-model.js'
import { DemoSteps } from './demo-steps.js'

const here = dirname(fileURLToPath(import.meta.url))
const projectDir = resolve(process.argv[2] ?? '.demo')
const MODEL = 'flight-delay'
/** Train on 1 Jan – 14 Feb, stop early on 15–28 Feb, evaluate on March (never seen in training). */
const TIMES = { validationFrom: Date.UTC(2001, 1, 15), testFrom: Date.UTC(2001, 2, 1) }
const BOOSTING = { iterations: 120, learningRate: 0.15, maxDepth: 6, maxBins: 64, minSamplesLeaf: 100 }
const fmt = (n: number) => n.toLocaleString('en-US')
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`

const steps = new DemoSteps(10)
console.log(`Strata demo: predicting departures delayed by more than 15 minutes (US flights, Q1 2001)`)

steps.begin(`Create a fresh project in ${relative(process.cwd(), projectDir) || '.'}`)
rmSync(projectDir, { recursive: true, force: true })
initProject(projectDir, { name: 'flights-demo' })
const featuresFile = relative(projectDir, join(here, 'features.ts')).replaceAll('\\', '/')
writeFileSync(
  join(projectDir, 'strata.config.ts'),
  `import { defineConfig } from 'strata-ml'\n\nexport default defineConfig({\n  project: 'flights-demo',\n  features: '${featuresFile}',\n})\n`,
)
steps.end('embedded backends: SQLite metadata, local blobs, DuckDB, SQLite online store')

steps.begin('Extract January–March 2001 from flights-3m.parquet (vega-datasets)')
const rawDir = join(projectDir, 'raw')
const prepared = execFileSync(
  process.execPath,
  [join(here, 'prepare.mjs'), rawDir, '--before', '2001-04-01'],
  {
    encoding: 'utf8',
  },
)
steps.end(prepared.trim().replace(`${rawDir}/`, ''))

await using strata = await openStrata({ cwd: projectDir })

steps.begin('Commit the raw departures as dataset "flights"')
const data = await strata.data()
await data.createDataset('flights', { description: 'US departures, January–March 2001 (vega-datasets)' })
const raw = await data.commit('flights', {
  message: 'raw departures, months 1–3',
  changes: [
    { path: 'flights.parquet', source: join(rawDir, 'flights.parquet') },
    { path: 'labels-q1.parquet', source: join(rawDir, 'labels-q1.parquet') },
  ],
  onProgress: (p) => steps.progress(`${p.phase}: ${p.done}/${p.total} files, ${mib(p.bytes)}`),
})
steps.end(`commit ${raw.id.slice(0, 12)}: ${raw.stats.files} files, ${mib(raw.stats.bytes)}`)

steps.begin('Apply the flight feature definitions (examples/flights/features.ts)')
const features = await strata.features()
const applied = await features.apply()
for (const r of applied.registered) steps.info(`+ ${r.kind} ${r.name} v${r.version}`)
steps.end(`${applied.registered.length} definitions registered`)

steps.begin('Build the point-in-time training set (service delay_model, 1.48M labelled departures)')
const set = await features.getTrainingSet({
  service: 'delay_model',
  entityRows: 'flights@main:labels-q1.parquet',
})
const saved = await set.save('delay-q1', { description: 'delay_model features for every Q1 departure' })
steps.end(`${fmt(set.rowCount)} rows × ${set.features.length} features, saved as training-set:${saved.id}`)

steps.begin('Split by time: train 1 Jan–14 Feb, validate 15–28 Feb, test March')
/** The model's inputs: the `delay_model` service's features and the departure hour. */
const INPUTS = [...set.features, 'dep_hour']
const { train, validation, test } = await splitByTime(set, {
  columns: INPUTS,
  label: 'delayed',
  timestampColumn: 'event_timestamp',
  times: TIMES,
  onRows: (n) => steps.progress(`${fmt(n)} rows read`),
})
await set.dispose()
for (const s of [train, validation, test]) {
  steps.info(
    `${s.name.padEnd(10)} ${fmt(s.y.length).padStart(9)} rows, ${(positiveRate(s.y) * 100).toFixed(1)}% delayed`,
  )
}
steps.end()

const tracking = await strata.tracking()
const registry = await strata.registry()
const run = await tracking.startRun({
  experiment: 'flight-delay',
  name: 'gbdt-q1',
  tags: { demo: 'flights' },
})
try {
  steps.begin(`Train gradient-boosted trees in TypeScript (run ${run.runId.slice(0, 8)})`)
  await run.logInput(`training-set:${saved.id}`)
  await run.logParams({
    ...BOOSTING,
    earlyStoppingRounds: 15,
    features: INPUTS.join(','),
    trainRows: train.y.length,
  })
  const history: Promise<void>[] = []
  const model = trainGradientBoostedTrees(train.x, train.y, {
    ...BOOSTING,
    featureNames: INPUTS,
    validation: { x: validation.x, y: validation.y },
    earlyStoppingRounds: 15,
    onIteration: (it) => {
      const metrics = { train_loss: it.trainLoss, validation_loss: it.validationLoss ?? Number.NaN }
      history.push(run.logMetrics(metrics, { step: it.iteration }))
      steps.progress(
        `tree ${it.iteration}/${BOOSTING.iterations}: train log loss ${it.trainLoss.toFixed(4)}, validation ${it.validationLoss?.toFixed(4)}`,
      )
      return undefined
    },
  })
  await Promise.all(history)
  const trees = model.ensemble.trees.length
  steps.end(
    trees < BOOSTING.iterations
      ? `${trees} trees: stopped early at the best validation log loss`
      : `${trees} trees (validation log loss still improving at the last round)`,
  )

  steps.begin('Evaluate on March, a later time slice the model never saw')
  const p = model.predictProba(test.x)
  const metrics = binaryClassificationMetrics(test.y, p)
  const baseline = binaryClassificationMetrics(
    test.y,
    new Float64Array(test.y.length).fill(positiveRate(train.y)),
  )
  const evaluation = {
    test_auc: metrics.auc,
    test_log_loss: metrics.logLoss,
    test_accuracy: metrics.accuracy,
    test_precision: metrics.precision,
    test_recall: metrics.recall,
    baseline_log_loss: baseline.logLoss,
  }
  await run.logMetrics(evaluation)
  steps.info(
    `AUC ${metrics.auc.toFixed(4)}, log loss ${metrics.logLoss.toFixed(4)} (base rate ${baseline.logLoss.toFixed(4)})`,
  )
  steps.info(
    `accuracy ${metrics.accuracy.toFixed(4)}, precision ${metrics.precision.toFixed(4)}, recall ${metrics.recall.toFixed(4)}`,
  )
  steps.end()

  steps.begin(`Export ONNX, check it in onnxruntime, register "${MODEL}" and alias it champion`)
  const onnx = model.toOnnx({ docString: 'P(departure delayed > 15 min) from delay_model features' })
  const agreement = await onnxAgreement(onnx, test.x, p, 20_000)
  steps.info(
    `ONNX (${fmt(onnx.length)} bytes) matches the TypeScript model: max |Δp| = ${agreement.toExponential(1)} on 20,000 March rows`,
  )
  await run.logArtifact(onnx, 'model.onnx')
  const version = await registry.registerVersion(MODEL, {
    onnx,
    runId: run.runId,
    createModel: true,
    description: 'Gradient-boosted trees on the delay_model features; trained on Q1 2001 up to 14 Feb',
    metrics: { auc: metrics.auc, log_loss: metrics.logLoss },
    tags: { training_set: `training-set:${saved.id}` },
  })
  await registry.setAlias(MODEL, 'champion', version.version, { reason: 'first model of the demo' })
  const inputs = version.signature?.inputs
    .map((t) => `${t.name} ${t.type}[${(t.shape ?? []).join(',')}]`)
    .join(', ')
  steps.end(`${MODEL} v${version.version} @champion, signature ${inputs}`)
  await run.end('FINISHED')
} catch (err) {
  await run.end('FAILED').catch(() => {})
  throw err
}

steps.begin(`Lineage of ${MODEL}@champion, down to the raw dataset commit`)
const champion = await registry.getVersionByAlias(MODEL, 'champion')
const lineage = await strata.lineage()
const graph = await lineage.upstream(`model-version:${MODEL}/${champion.version}`)
console.log(
  formatLineageTree(graph, 'up')
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n'),
)
const reachesRaw = graph.nodes.some((n) => n.id === `dataset-commit:${raw.id}`)
steps.end(reachesRaw ? `reaches dataset-commit:${raw.id.slice(0, 12)}` : 'does NOT reach the raw commit')
if (!reachesRaw) process.exitCode = 1

const cd = relative(process.cwd(), projectDir) || '.'
console.log(`
Done in ${steps.elapsed()}. Explore the project:
  npm run strata -- -C ${cd} runs list --experiment flight-delay
  npm run strata -- -C ${cd} models show ${MODEL}
  npm run strata -- -C ${cd} lineage model-version:${MODEL}/${champion.version}
  npm run strata -- -C ${cd} server   # MLflow-compatible API and the feature server on 127.0.0.1`)

/** Largest |p_onnx − p_ts| over the first `n` rows, running the ONNX model in onnxruntime-node. */
async function onnxAgreement(
  onnx: Uint8Array,
  x: { rows: number; cols: number; data: Float64Array },
  expected: Float64Array,
  n: number,
): Promise<number> {
  const ort = await import('onnxruntime-node')
  const session = await ort.InferenceSession.create(onnx)
  const rows = Math.min(n, x.rows)
  const input = new ort.Tensor('float32', Float32Array.from(x.data.subarray(0, rows * x.cols)), [
    rows,
    x.cols,
  ])
  const out = await session.run({ [session.inputNames[0] as string]: input })
  const probabilities = out.probabilities?.data as Float32Array
  let worst = 0
  for (let i = 0; i < rows; i++) {
    worst = Math.max(worst, Math.abs((probabilities[i * 2 + 1] as number) - (expected[i] as number)))
  }
  await session.release()
  return worst
}
