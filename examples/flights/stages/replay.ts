/**
 * The second half of the loop: the champion serves April–June 2001 as simulated time advances.
 * Each simulated day: on the 1st a new month is committed and the feature pipeline recomputes
 * the views on it; the online store is materialized as of the replayed hour; that hour's
 * departures (a sample) are sent to the deployment; the delivery engine and the monitor's loops
 * take one round. Each simulated week: the labels of the week before arrive (a week late) and
 * are ingested; the monitor checks the week against the champion's reference profile and scores
 * the week before on its labels (its performance check, `labelDelay: '7d'`); an alert starts the
 * closed loop (retrain → challenger → canary → promoted or rolled back).
 */
import { join } from 'node:path'
import type { openStrata, PerformanceResult } from 'strata-ml'
import { writeCut } from '../demo-data.js'
import type { DemoSteps } from '../demo-steps.js'
import { delayDrift } from '../monitors.js'
import { replayDepartures, slotHour } from '../replay-data.js'
import { type LoopEnd, LoopWatch } from './loop-watch.js'
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

/** What the replay leaves: the loop's outcome. */
export interface ReplayResult {
  predictions: number
  weeks: number
  alerts: number
  firstAlertWindow: { start: number; end: number } | undefined
  loop: LoopEnd | undefined
  /** Real seconds from the first alerting window's check to the loop's end (retraining included). */
  alertToDecisionSeconds: number | undefined
}

export async function replay(
  strata: Strata,
  serve: Strata,
  sim: { t: number },
  steps: DemoSteps,
  projectDir: string,
): Promise<ReplayResult> {
  steps.begin('Deploy the champion and watch it (simulated clock from 1 April 2001)')
  const delivery = await serve.delivery()
  const deployment = await delivery.create(ENDPOINT, { reason: 'the demo serves the champion' })
  await (await serve.deliveryController()).sync()
  const monitoring = await serve.monitoring()
  await monitoring.apply([delayDrift])
  const days = await replayDepartures(START, END, EVERY)
  steps.info(
    `deployment ${ENDPOINT} (revision ${deployment.revision}): champion v${deployment.policy.champion}`,
  )
  steps.info(
    `monitor ${delayDrift.name}: weekly windows of the payload log vs the champion's reference profile; on alert: retrain → canary`,
  )
  steps.end(
    `${fmt(days.reduce((n, d) => n + d.length, 0))} departures to replay (1 in ${EVERY} of one hour a day)`,
  )

  steps.begin('Replay April–June: month committed → feature pipeline → traffic → labels → monitor → loop')
  const result: ReplayResult = {
    predictions: 0,
    weeks: 0,
    alerts: 0,
    firstAlertWindow: undefined,
    loop: undefined,
    alertToDecisionSeconds: undefined,
  }
  const data = await strata.data()
  const features = await serve.features()
  const server = await serve.serving()
  const watch = new LoopWatch(serve, steps, ENDPOINT, delayDrift.name)
  await watch.report()
  let week: Served[] = []
  /** The week before, whose labels arrive at the end of this one. */
  let pending: Served[] = []
  let alertedAt: number | undefined
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
    const answered = await sendTraffic(serve, days[i] ?? [], slot)
    week.push(...answered)
    result.predictions += answered.length
    steps.progress(
      `${day(dayStart)} ${String(slotHour(i)).padStart(2, '0')}:00 — ${fmt(result.predictions)} predictions`,
    )
    sim.t = dayStart + DAY
    for (const ended of await watch.tick()) {
      result.loop ??= ended
      if (alertedAt !== undefined) result.alertToDecisionSeconds ??= (performance.now() - alertedAt) / 1000
    }
    if ((i + 1) % 7 !== 0 && i !== days.length - 1) continue
    // The week is over: its labels arrive, the monitor looks at it.
    result.weeks++
    await server.flushPayloadLog()
    await ingestLabels(monitoring, pending)
    pending = week
    const versions = [...new Set(week.map((s) => `v${s.version}`))].join('+')
    const head = `week to ${day(sim.t - DAY)}: ${fmt(week.length)} predictions (${versions})`
    week = []
    const checkedAt = performance.now()
    const progress = watchTraining(serve, steps)
    const report = await monitoring.run(delayDrift.name, { windowEnd: sim.t }).finally(() => progress.stop())
    const drift = report.drift
    const top = (drift?.columns ?? [])
      .filter((c) => c.drifted)
      .sort((a, b) => Number(b.score) - Number(a.score))
      .map((c) => `${c.column} ${c.test} ${Number(c.score).toFixed(2)}`)
      .slice(0, 3)
    const failed = report.quality
      .filter((q) => !q.passed)
      .map((q) => `${q.column} ${q.check} ${q.value.toFixed(2)}`)
    steps.info(
      `${head}; drift ${drift === null ? 'n/a' : `${drift.drifted}/${drift.tested} columns`}${top.length > 0 ? ` (${top.join(', ')})` : ''}${failed.length > 0 ? `; quality: ${failed.slice(0, 2).join(', ')}` : ''} → ${report.result.status}`,
    )
    steps.info(`  ${performanceLine(report.performance)}`)
    if (report.result.status === 'alert') {
      result.alerts++
      if (result.firstAlertWindow === undefined) {
        result.firstAlertWindow = { start: report.result.windowStart, end: report.result.windowEnd }
        alertedAt = checkedAt
      }
    }
    for (const ended of await watch.report()) result.loop ??= ended
  }
  // the last week's labels arrive a week after the replay: the monitor scores it on them
  sim.t += 7 * DAY
  await ingestLabels(monitoring, pending)
  const last = await monitoring.run(delayDrift.name, { windowEnd: sim.t })
  steps.info(`labels of the last week (arrived ${day(sim.t - DAY)}): ${performanceLine(last.performance)}`)
  steps.end(
    `${fmt(result.predictions)} predictions served over ${result.weeks} weeks, ${result.alerts} alerting`,
  )
  return result
}

/** Ingests the delayed labels (departed more than 15 minutes late) of answered predictions. */
async function ingestLabels(
  monitoring: Awaited<ReturnType<Strata['monitoring']>>,
  served: readonly Served[],
): Promise<void> {
  const labelled = served.filter((s) => s.delayed !== null)
  if (labelled.length > 0)
    await monitoring.ingestLabels(labelled.map((s) => ({ predictionId: s.id, label: s.delayed ? 1 : 0 })))
}

/** The monitor's performance check of a window, per model version: what its labels show. */
function performanceLine(perf: PerformanceResult | undefined): string {
  if (perf?.window === undefined) return 'performance: no labelled week yet (labels arrive a week late)'
  const m = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(3))
  const versions = Object.entries(perf.byVersion ?? {})
  const per =
    versions.length > 1 ? ` (${versions.map(([v, x]) => `v${v} ${m(x.metrics.auc)}`).join(', ')})` : ''
  return (
    `performance of the week to ${day(perf.window.end - DAY)} on its labels: AUC ${m(perf.metrics.auc)}${per}, ` +
    `log loss ${m(perf.metrics.logLoss)}, accuracy ${m(perf.metrics.accuracy)} (${fmt(perf.labeled)} labelled, ${fmt(perf.unlabeled)} without)` +
    (perf.violations.length > 0 ? `; ${perf.violations.join(', ')}` : '')
  )
}
