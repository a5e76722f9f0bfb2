/**
 * The second half of the loop: the champion serves April–June 2001 as simulated time
 * advances. Each simulated day: a new month is committed and the feature pipeline recomputes
 * the views on it (on the 1st), the online store is materialized as of the replayed hour, and
 * that hour's departures (a sample) are sent to the model server. Each simulated week: the
 * delayed labels of the week's predictions are ingested and the monitor checks the week
 * against the champion's reference profile; an alert runs the training pipeline (the monitor's
 * action), and the challenger it registers goes out on canary with guards until promoted or
 * rolled back.
 */
import { join } from 'node:path'
import type { openStrata } from 'strata-ml'
import { binaryClassificationMetrics } from 'strata-ml/training'
import { writeCut } from '../demo-data.js'
import type { DemoSteps } from '../demo-steps.js'
import { delayDrift } from '../monitors.js'
import { replayDepartures, slotHour } from '../replay-data.js'
import { Canary } from './canary.js'
import { runPipeline } from './run-pipeline.js'
import { ENDPOINT, type Served, sendTraffic } from './traffic.js'
import { watchTraining } from './watch-training.js'

type Strata = Awaited<ReturnType<typeof openStrata>>
const DAY = 86_400_000
const HOUR = 3_600_000
const START = '2001-04-01'
const END = '2001-07-01'
/** One departure in `EVERY` of each replayed hour is sent as a request. */
const EVERY = 12
const fmt = (n: number) => n.toLocaleString('en-US')
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** What the replay leaves: the loop's timeline and one prediction to trace. */
export interface ReplayResult {
  predictions: number
  firstAlertWindow: { start: number; end: number } | undefined
  decision: { action: string; at: number; version: number } | undefined
  retrainRun: string | undefined
  /** Real seconds from the first alerting window's evaluation to the rollout's decision. */
  alertToDecisionSeconds: number | undefined
  /** The last prediction answered (traced back to the raw data by the demo). */
  lastPrediction: Served | undefined
}

export async function replay(
  strata: Strata,
  serve: Strata,
  sim: { t: number },
  steps: DemoSteps,
  projectDir: string,
  champion: number,
): Promise<ReplayResult> {
  steps.begin('Serve the champion and watch it (simulated clock from 1 April 2001)')
  const server = await serve.serving()
  const served = await server.deploy(`${'flight-delay'}@champion`, { features: 'delay_model', as: ENDPOINT })
  const monitoring = await serve.monitoring()
  await monitoring.apply([delayDrift])
  const days = await replayDepartures(START, END, EVERY)
  steps.info(
    `model server: ${ENDPOINT} v${served.version}, features from the online store (service delay_model)`,
  )
  steps.info(
    `monitor ${delayDrift.name}: weekly windows of the payload log vs v${champion}'s reference profile`,
  )
  steps.end(
    `${fmt(days.reduce((n, d) => n + d.length, 0))} departures to replay (1 in ${EVERY} of one hour a day)`,
  )

  steps.begin('Replay April–June: a month committed → feature pipeline → traffic → labels → monitor')
  const result: ReplayResult = {
    predictions: 0,
    firstAlertWindow: undefined,
    decision: undefined,
    retrainRun: undefined,
    alertToDecisionSeconds: undefined,
    lastPrediction: undefined,
  }
  const data = await strata.data()
  const features = await serve.features()
  let week: Served[] = []
  let canary: Canary | undefined
  let alertedAt: number | undefined
  let pausedSaid = false
  const start = Date.parse(`${START}T00:00:00Z`)
  for (let i = 0; i < days.length; i++) {
    const dayStart = start + i * DAY
    sim.t = dayStart
    if (new Date(dayStart).getUTCDate() === 1) {
      const next = new Date(dayStart)
      next.setUTCMonth(next.getUTCMonth() + 1)
      const month = next.toISOString().slice(0, 10)
      const files = await writeCut(join(projectDir, 'raw'), month)
      const commit = await data.commit('flights', {
        message: `departures up to ${month}`,
        changes: [
          { path: 'flights.parquet', source: files.flights },
          { path: 'labels.parquet', source: files.labels },
        ],
      })
      const run = await runPipeline(
        serve,
        steps,
        'features',
        { asOf: new Date(dayStart).toISOString() },
        { quiet: true },
      )
      const v = (run.outputs.views as { views: { view: string; rows: number }[] }).views
      steps.info(
        `${day(dayStart)} flights@${commit.id.slice(0, 12)} (${fmt(files.departures)} departures) → features run ${run.run.runId}: ${v.map((x) => `${x.view} ${fmt(x.rows)} rows`).join(', ')}`,
      )
    }
    const slot = dayStart + slotHour(i) * HOUR
    sim.t = slot
    await features.materialize({ start: slot - 8 * DAY, end: slot })
    const answered = await sendTraffic(serve, canary === undefined ? 'predict' : 'infer', days[i] ?? [], slot)
    week.push(...answered)
    result.predictions += answered.length
    result.lastPrediction = answered.at(-1) ?? result.lastPrediction
    steps.progress(
      `${day(dayStart)} ${String(slotHour(i)).padStart(2, '0')}:00 — ${fmt(result.predictions)} predictions`,
    )
    if (canary !== undefined && result.decision === undefined) {
      sim.t = dayStart + DAY
      const decided = await canary.tick()
      if (decided !== undefined) {
        result.decision = { action: decided.action, at: decided.at, version: canary.challenger }
        if (alertedAt !== undefined) result.alertToDecisionSeconds = (performance.now() - alertedAt) / 1000
      }
    }
    if ((i + 1) % 7 !== 0 && i !== days.length - 1) continue
    // The week is over: its labels arrive, the monitor looks at it.
    const weekEnd = dayStart + DAY
    sim.t = weekEnd
    await server.flushPayloadLog()
    const labelled = week.filter((s) => s.delayed !== null)
    await monitoring.ingestLabels(labelled.map((s) => ({ predictionId: s.id, label: s.delayed ? 1 : 0 })))
    const auc =
      labelled.length > 0
        ? binaryClassificationMetrics(
            labelled.map((s) => (s.delayed ? 1 : 0)),
            labelled.map((s) => s.p),
          ).auc
        : Number.NaN
    const late = labelled.filter((s) => s.delayed).length / Math.max(1, labelled.length)
    const head = `week to ${day(weekEnd - DAY)}: ${fmt(week.length)} predictions, ${(late * 100).toFixed(1)}% delayed, AUC ${auc.toFixed(3)}`
    week = []
    if (canary !== undefined) {
      steps.info(
        `${head} (versions answering: ${[...new Set(labelled.map((s) => `v${s.version}`))].join(', ')})`,
      )
      if (!pausedSaid) {
        pausedSaid = true
        steps.info(
          'monitor paused: one loop per deployment, and requests through the delivery endpoint are logged as the ' +
            "model's input tensor, which payload-log windows do not split into feature columns yet",
        )
      }
      continue
    }
    const checkedAt = performance.now()
    const watch = watchTraining(serve, steps)
    const report = await monitoring.run(delayDrift.name, { windowEnd: weekEnd }).finally(() => watch.stop())
    const drift = report.drift
    const top = (drift?.columns ?? [])
      .filter((c) => c.drifted)
      .map((c) => `${c.column} ${c.test} ${Number(c.score).toFixed(2)}`)
      .slice(0, 3)
    const failed = report.quality
      .filter((q) => !q.passed)
      .map((q) => `${q.column} ${q.check} ${q.value.toFixed(2)}`)
    steps.info(
      `${head}; drift ${drift === null ? 'n/a' : `${drift.drifted}/${drift.tested} columns`}${top.length > 0 ? ` (${top.join(', ')})` : ''}${failed.length > 0 ? `; quality: ${failed.slice(0, 2).join(', ')}` : ''} → ${report.result.status}`,
    )
    if (report.result.status !== 'alert') continue
    result.firstAlertWindow ??= { start: report.result.windowStart, end: report.result.windowEnd }
    alertedAt ??= checkedAt
    const action = report.actions.find((a) => a.kind === 'pipeline')
    if (action === undefined) continue
    steps.info(
      `alert → incident ${report.result.incidentId}; action: pipeline training ${action.ok ? '✓' : '✗'} ${action.detail}`,
    )
    if (!action.ok) break
    const runId = /run (\S+)/.exec(action.detail)?.[1] as string
    result.retrainRun = runId
    const run = await (await serve.pipelines()).show(runId)
    const registered = await (await serve.pipelines()).output(runId, 'register')
    const challenger = registered as { version: number; metrics: Record<string, number> }
    steps.info(
      `challenger v${challenger.version}: test AUC ${challenger.metrics.auc?.toFixed(4)} (run ${run.run.runId}, ${run.steps.filter((s) => s.cached).length} of ${run.steps.length} steps cached)`,
    )
    canary = await Canary.start(
      serve,
      steps,
      champion,
      challenger.version,
      `retrained after drift alert ${report.result.incidentId}`,
    )
  }
  steps.end(`${fmt(result.predictions)} predictions served`)
  return result
}
