/**
 * The first half of the loop, through the pipeline engine: Q1 committed → the feature
 * pipeline (views recomputed, online store materialized) → the training pipeline (training
 * set → train → evaluate → calibration in Python → register `champion`) → a second look that hits the cache and says
 * why → the champion's lineage down to the pipeline run and the raw commit.
 */
import { join, relative } from 'node:path'
import type { openStrata } from 'strata-ml'
import { writeCut } from '../demo-data.js'
import type { DemoSteps } from '../demo-steps.js'
import type { Registered } from '../fti/training-steps.js'
import { printPlan, runPipeline } from './run-pipeline.js'

type Strata = Awaited<ReturnType<typeof openStrata>>
const fmt = (n: number) => n.toLocaleString('en-US')
/** A node id with its long hashes cut to 12 characters. */
const short = (id: string) => id.replace(/[0-9a-f]{20,}/g, (h) => `${h.slice(0, 12)}…`)
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`

/** What the first half leaves for the second. */
export interface FirstHalf {
  rawCommit: string
  champion: Registered
}

export async function firstHalf(strata: Strata, steps: DemoSteps, projectDir: string): Promise<FirstHalf> {
  steps.begin('Extract January–March 2001 from flights-3m.parquet (vega-datasets)')
  const rawDir = join(projectDir, 'raw')
  const q1 = await writeCut(rawDir, '2001-04-01')
  steps.end(
    `${fmt(q1.departures)} departures, ${fmt(q1.labelled)} labelled (${relative(projectDir, q1.flights)}, ${relative(projectDir, q1.labels)})`,
  )

  steps.begin('Commit the raw departures as dataset "flights"')
  const data = await strata.data()
  await data.createDataset('flights', {
    description: 'US departures 2001 (vega-datasets), a month at a time',
  })
  const raw = await data.commit('flights', {
    message: 'departures of January–March',
    changes: [
      { path: 'flights.parquet', source: q1.flights },
      { path: 'labels.parquet', source: q1.labels },
    ],
  })
  steps.end(`commit ${raw.id.slice(0, 12)}: ${raw.stats.files} files, ${mib(raw.stats.bytes)}`)

  steps.begin('Apply the flight feature definitions (examples/flights/features.ts)')
  const applied = await (await strata.features()).apply()
  for (const r of applied.registered) steps.info(`+ ${r.kind} ${r.name} v${r.version}`)
  steps.end(`${applied.registered.length} definitions registered`)

  steps.begin('Feature pipeline on the engine: views recomputed on the commit → online store as of 1 April')
  const featureRun = await runPipeline(strata, steps, 'features', { asOf: '2001-04-01T00:00:00Z' })
  const materialized = featureRun.outputs.materialize as { views: { view: string; entities: number }[] }
  steps.end(
    `run ${featureRun.run.runId}: ${materialized.views.map((v) => `${v.view} ${fmt(v.entities)} entities`).join(', ')} online`,
  )

  steps.begin(
    'Training pipeline on the engine: training set → train → evaluate → calibration (Python) → register',
  )
  const trainingRun = await runPipeline(strata, steps, 'training', { end: '2001-04-01' })
  const trained = trainingRun.outputs.train as { trees: number; trainRows: number; runId: string }
  const evaluation = trainingRun.outputs.evaluate as Record<string, number | string>
  const calibration = trainingRun.outputs.calibration as { ece: number; mce: number; bins: number }
  const champion = trainingRun.outputs.register as unknown as Registered
  steps.info(
    `${trained.trees} trees on ${fmt(trained.trainRows)} departures (every 2nd of 7 Jan–24 Feb), tracked as run ${trained.runId.slice(0, 8)}`,
  )
  steps.info(
    `test ${evaluation.testFrom}…${evaluation.end} (${fmt(Number(evaluation.test_rows))} departures, ONNX in onnxruntime): ` +
      `AUC ${Number(evaluation.test_auc).toFixed(4)}, log loss ${Number(evaluation.test_log_loss).toFixed(4)} ` +
      `(base rate ${Number(evaluation.baseline_log_loss).toFixed(4)})`,
  )
  steps.info(
    `calibration, a Python command step: expected calibration error ${calibration.ece.toFixed(4)}, largest gap ${calibration.mce.toFixed(4)} over ${calibration.bins} bins`,
  )
  steps.end(`${champion.model} v${champion.version} @${champion.alias} (run ${trainingRun.run.runId})`)

  steps.begin('Second look: both pipelines planned again, the feature pipeline run again')
  const engine = await strata.pipelines()
  steps.info('strata pipelines plan training --param end=2001-04-01   (the same run again)')
  printPlan(steps, await engine.plan('training', { params: { end: '2001-04-01' } }))
  steps.info('strata pipelines plan training --param end=2001-04-15   (two more weeks of labels)')
  printPlan(steps, await engine.plan('training', { params: { end: '2001-04-15' } }))
  steps.info('strata pipelines run features --param asOf=2001-04-01T00:00:00Z   (run again)')
  const again = await runPipeline(strata, steps, 'features', { asOf: '2001-04-01T00:00:00Z' })
  const hits = again.steps.filter((s) => s.cached).length
  steps.end(`${hits} of ${again.steps.length} steps reused from the cache (same code, params and commit)`)

  steps.begin(`Lineage of ${champion.model}@champion, down to the pipeline run and the raw commit`)
  const lineage = await strata.lineage()
  const from = `model-version:${champion.model}/${champion.version}`
  const graph = await lineage.upstream(from)
  const path = await lineage.path(`dataset-commit:${raw.id}`, from)
  for (const edge of path ?? []) steps.info(`${short(edge.from)} → ${edge.activity} → ${short(edge.to)}`)
  steps.info(`(the whole graph: ${graph.nodes.length} nodes; npm run strata -- lineage ${from})`)
  const ids = new Set(graph.nodes.map((n) => n.id))
  const reachesRun = ids.has(`pipeline-run:${trainingRun.run.runId}`)
  const reachesRaw = ids.has(`dataset-commit:${raw.id}`)
  steps.end(
    reachesRun && reachesRaw
      ? `reaches pipeline-run:${trainingRun.run.runId} and dataset-commit:${raw.id.slice(0, 12)}`
      : `does NOT reach ${reachesRun ? '' : 'the pipeline run '}${reachesRaw ? '' : 'the raw commit'}`,
  )
  if (!reachesRun || !reachesRaw) process.exitCode = 1
  return { rawCommit: raw.id, champion }
}
