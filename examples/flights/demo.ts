/**
 * The Strata demo (`npm run demo`): the ML loop on real US flights of 2001, on the embedded
 * default backends (SQLite, DuckDB, local files), through the pipeline engine.
 *
 *   raw flights (Jan–Mar) → dataset commit → feature pipeline (views recomputed, online store
 *   materialized) → training pipeline (training set → gradient-boosted trees in TypeScript →
 *   evaluation of the ONNX file → registered `champion`) → cache hits on a second look →
 *   the champion's lineage down to the pipeline run and the raw commit → April–June replayed as
 *   traffic with weekly monitoring and the closed loop → the champion answering over HTTP
 *   (`POST /v1/predict/flight-delay`) → one of those predictions traced back to the raw commit.
 *
 * Every run starts from a fresh project directory (default `.demo/`, or the first argument),
 * so re-running is safe; the project is left behind for `strata -C .demo …` to explore.
 */
import { rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { initProject, openStrata } from 'strata-ml'
import { DemoSteps } from './demo-steps.js'
import { closeProject } from './fti/project.js'
import { firstHalf } from './stages/first-half.js'
import { predictOverHttp } from './stages/json-route.js'
import { replay } from './stages/replay.js'
import { tracePrediction } from './stages/trace.js'

const here = dirname(fileURLToPath(import.meta.url))
const projectDir = resolve(process.argv[2] ?? '.demo')
const rel = (file: string) => relative(projectDir, join(here, file)).replaceAll('\\', '/')

const steps = new DemoSteps(13)
console.log('Strata demo: predicting departures delayed by more than 15 minutes (US flights, 2001)')

steps.begin(`Create a fresh project in ${relative(process.cwd(), projectDir) || '.'}`)
rmSync(projectDir, { recursive: true, force: true })
initProject(projectDir, { name: 'flights-demo' })
writeFileSync(
  join(projectDir, 'strata.config.ts'),
  `import { defineConfig } from 'strata-ml'\n\nexport default defineConfig({\n  project: 'flights-demo',\n` +
    `  features: '${rel('features.ts')}',\n  pipelines: '${rel('pipelines.ts')}',\n  monitors: '${rel('monitors.ts')}',\n})\n`,
)
// The pipelines' steps open this project (see fti/project.ts).
process.env.FLIGHTS_PROJECT_DIR = projectDir
steps.end('embedded backends: SQLite metadata, local blobs, DuckDB, SQLite online store')

try {
  await using strata = await openStrata({ cwd: projectDir })
  const first = await firstHalf(strata, steps, projectDir)

  // The serving side runs on a simulated clock: the replay's April–June 2001 is "now" for the
  // model server, the online store's ttl checks, the payload log, monitors and rollouts.
  const sim = { t: Date.parse('2001-04-01T00:00:00Z') }
  await using serve = await openStrata({ cwd: projectDir, clock: { now: () => sim.t } })
  const loop = await replay(strata, serve, sim, steps, projectDir)
  summarize(loop)
  const [answered] = await predictOverHttp(serve, sim, steps)
  if (answered === undefined || !(await tracePrediction(serve, steps, answered))) process.exitCode = 1

  const cd = relative(process.cwd(), projectDir) || '.'
  const model = first.champion.model
  console.log(`
Done in ${steps.elapsed()}. Explore the project:
  npm run strata -- -C ${cd} pipelines runs
  npm run strata -- -C ${cd} runs list --experiment ${model}
  npm run strata -- -C ${cd} models show ${model}
  npm run strata -- -C ${cd} lineage model-version:${model}/${first.champion.version}
  npm run strata -- -C ${cd} lineage prediction:${answered?.id}
  npm run strata -- -C ${cd} monitor history delay-drift
  npm run strata -- -C ${cd} deploy history ${model}
  FLIGHTS_PROJECT_DIR=${cd} npm run strata -- -C ${cd} pipelines plan training --param end=2001-05-01`)
} finally {
  await closeProject()
}

/** The loop's outcome in a few lines (what bench/RESULTS.md quotes). */
function summarize(loop: Awaited<ReturnType<typeof replay>>): void {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
  steps.begin('The loop, in short')
  if (loop.firstAlertWindow === undefined) {
    steps.end('no week alerted: the data showed no drift the monitor acts on, so no retrain happened')
    return
  }
  steps.info(
    `first alerting window: ${day(loop.firstAlertWindow.start)} … ${day(loop.firstAlertWindow.end - 1)}`,
  )
  if (loop.loop === undefined) {
    steps.end('the loop had not ended when the replay did')
    return
  }
  const { state, version, runId, endedAt, reason } = loop.loop
  steps.info(
    `retraining pipeline run ${runId ?? '(none)'} → challenger v${version ?? '?'} → ${state}${reason ? ` (${reason})` : ''}`,
  )
  steps.end(
    `${((endedAt - loop.firstAlertWindow.end) / 86_400_000).toFixed(1)} simulated days and ` +
      `${loop.alertToDecisionSeconds?.toFixed(1) ?? '?'} s of real time (retraining included) from the end of the first drifted window to the decision`,
  )
}
