import { StrataError } from '../../core/errors.js'
import type { ModelRegistry } from '../../registry/index.js'
import { computeDrift } from '../drift/dataset-drift.js'
import { scorePerformance } from '../performance/performance-metrics.js'
import { profileValues, type RawColumn } from '../profile/profile-values.js'
import { checkQuality } from '../quality/quality-checks.js'
import { type ReferenceProfiles, referenceBinnings } from '../reference/reference-store.js'
import { type AlertPayload, runActions, type StartLoop, type StartPipeline } from './actions.js'
import { checkPerformanceSpec, type MonitorDefinition } from './monitor-definition.js'
import { monitorDuration } from './monitor-duration.js'
import type { Incident, MonitorStore } from './monitor-store.js'
import type { MonitorReport } from './monitor-types.js'
import type { WindowSource } from './window-source.js'

/** What a monitor run needs (filled by the monitoring service). */
export interface MonitorRunnerDependencies {
  registry: ModelRegistry
  references: ReferenceProfiles
  store: MonitorStore
  windowSource(def: MonitorDefinition): WindowSource
  startPipeline: StartPipeline | undefined
  /** Starts the closed loop of an incident (a `retrain` action). */
  startLoop?: StartLoop
  now(): number
}

/** Options of one run. */
export interface RunMonitorOptions {
  /** End of the window (epoch ms, exclusive); default the last whole window before now. */
  windowEnd?: number
}

/** Resolves the reference version of a monitor: a number, or an alias of its model (default `champion`). */
async function referenceVersion(registry: ModelRegistry, def: MonitorDefinition): Promise<number> {
  const ref = def.reference ?? 'champion'
  if (typeof ref === 'number') return ref
  try {
    return (await registry.resolve(`${def.model}@${ref}`)).version
  } catch (err) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `monitor "${def.name}": its reference "${def.model}@${ref}" does not resolve; set the alias or give reference a version number`,
      { cause: err },
    )
  }
}

/**
 * Runs a monitor on one window: reads the window's rows, profiles them on the reference's
 * bins, runs the drift tests and quality checks against the stored reference, records the
 * result (and moves the incident) in one transaction, and — when the window opened an
 * incident, or an open incident's actions never finished (a crash) — runs the actions once.
 */
export async function runMonitor(
  deps: MonitorRunnerDependencies,
  def: MonitorDefinition,
  options: RunMonitorOptions = {},
): Promise<MonitorReport> {
  const end = options.windowEnd ?? Math.floor(deps.now() / def.windowMs) * def.windowMs
  const start = end - def.windowMs
  const version = await referenceVersion(deps.registry, def)
  const stored = await deps.references.get(def.model, version)
  const reference = await deps.references.samples(stored)
  // The window's time column selects the window: against the reference it differs by
  // construction, so it is never tested (Evidently leaves its datetime column out too).
  const timeColumn = def.window.source.kind === 'dataset' ? def.window.source.timeColumn : undefined
  const columns = Object.keys(stored.profile.columns).filter((c) => c !== timeColumn)
  const referenceProfile = { ...stored.profile, columns: pick(stored.profile.columns, columns) }
  const referenceSamples = pick(reference, columns)
  for (const name of Object.keys((def.checks?.drift || undefined)?.columns ?? {})) {
    if (!columns.includes(name)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `monitor "${def.name}" configures column "${name}", which model ${def.model} v${version}'s reference does not have; its columns are ${columns.join(', ')}`,
      )
    }
  }
  const perf = def.checks?.performance
  if (perf !== undefined) checkPerformanceSpec(`monitor "${def.name}"`, perf, def.window.source.kind)
  const delay =
    perf?.labelDelay === undefined
      ? 0
      : monitorDuration(`monitor "${def.name}": performance.labelDelay`, perf.labelDelay)
  const source = deps.windowSource(def)
  const wanted =
    perf === undefined || delay > 0 ? columns : [...new Set([...columns, perf.prediction, perf.label])]
  const window = await source.read({ start, end, model: def.model, columns: wanted })
  // with a label delay the performance is the earlier window's, whose labels have had time to arrive
  const scored =
    perf === undefined
      ? undefined
      : delay === 0
        ? window
        : await source.read({
            start: start - delay,
            end: end - delay,
            model: def.model,
            columns: [perf.prediction, perf.label],
          })
  const performance =
    perf === undefined || scored === undefined || scored.rows === 0
      ? undefined
      : {
          ...scorePerformance(perf, scored.columns, scored.versions),
          window: { start: start - delay, end: end - delay },
        }
  const base = {
    monitor: def.name,
    windowStart: start,
    windowEnd: end,
    model: def.model,
    referenceVersion: version,
    rows: window.rows,
  }
  if (window.rows === 0 && (performance?.violations.length ?? 0) === 0) {
    const details = {
      drift: null,
      quality: [],
      window: null,
      ...(performance === undefined ? {} : { performance }),
    }
    const recorded = await deps.store.record(
      { ...base, status: 'no-data', tested: 0, drifted: 0, datasetDrift: false, qualityFailed: 0 },
      { ...details, actions: [] },
    )
    return { result: recorded.result, ...details, reference: stored.profile, actions: [] }
  }
  const raw: Record<string, RawColumn> = Object.fromEntries(
    columns.map((c) => [
      c,
      {
        kind: stored.profile.columns[c]?.kind ?? 'numeric',
        values: window.columns[c] ?? new Array(window.rows).fill(null),
      },
    ]),
  )
  const profiled = profileValues(raw, {
    binnings: referenceBinnings(stored.profile),
    source: { ...window.source, start, end },
  })
  profiled.profile.rows = window.rows
  const drift =
    def.checks?.drift === false || window.rows === 0
      ? null
      : computeDrift(referenceSamples, profiled.samples, def.checks?.drift ?? {})
  const quality =
    def.checks?.quality === false || window.rows === 0
      ? []
      : checkQuality(referenceProfile, profiled.profile, def.checks?.quality ?? {})
  const qualityFailed = quality.filter((q) => !q.passed).length
  const status =
    drift?.datasetDrift === true || qualityFailed > 0 || (performance?.violations.length ?? 0) > 0
      ? 'alert'
      : 'ok'
  const partial = {
    drift,
    quality,
    window: profiled.profile,
    ...(performance === undefined ? {} : { performance }),
  }
  const recorded = await deps.store.record(
    {
      ...base,
      status,
      tested: drift?.tested ?? 0,
      drifted: drift?.drifted ?? 0,
      datasetDrift: drift?.datasetDrift ?? false,
      qualityFailed,
    },
    { ...partial, actions: [] },
  )
  let actions: MonitorReport['actions'] = []
  const incident = recorded.incident
  if (status === 'alert' && incident !== undefined && incident.notifiedAt === null) {
    actions = await notify(deps, def, incident, {
      start,
      end,
      drift,
      quality,
      ...(performance === undefined ? {} : { performance }),
    })
  }
  return { result: recorded.result, ...partial, reference: stored.profile, actions }
}

async function notify(
  deps: MonitorRunnerDependencies,
  def: MonitorDefinition,
  incident: Incident,
  w: {
    start: number
    end: number
    drift: MonitorReport['drift']
    quality: MonitorReport['quality']
    performance?: MonitorReport['performance']
  },
): Promise<MonitorReport['actions']> {
  const payload: AlertPayload = {
    monitor: def.name,
    model: def.model,
    incident: incident.id,
    window: { start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() },
    status: 'alert',
    driftShare: w.drift?.share ?? null,
    driftedColumns: w.drift?.columns.filter((c) => c.drifted).map((c) => c.column) ?? [],
    failedQualityChecks: w.quality.filter((q) => !q.passed).map((q) => `${q.column}.${q.check}`),
    performanceViolations: w.performance?.violations ?? [],
  }
  const actions = await runActions(def.actions ?? [], payload, deps.startPipeline, deps.startLoop)
  await deps.store.notified(incident.id, actions)
  return actions
}

/** The entries of `record` under `keys`, in that order. */
function pick<T>(record: Record<string, T>, keys: readonly string[]): Record<string, T> {
  const out: Record<string, T> = {}
  for (const k of keys) if (k in record) out[k] = record[k] as T
  return out
}
