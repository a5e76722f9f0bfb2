import { StrataError } from '../../core/errors.js'
import { GROUND_TRUTH } from '../../serving/index.js'
import type { DriftOptions } from '../drift/dataset-drift.js'
import type { RetrainAction } from '../loop/loop-types.js'
import { checkRetrainAction } from '../loop/retrain-action.js'
import type { PerformanceSpec } from '../performance/performance-metrics.js'
import type { QualityOptions } from '../quality/quality-checks.js'
import { monitorDuration } from './monitor-duration.js'

/**
 * Where a monitor's windows come from. `dataset`: a table in a dataset commit with a time
 * column (scored rows exported by a batch job, or any log). `payload-log`: the predictions the
 * server logged for the model (available once the serving payload log is in the build).
 */
export type WindowSourceSpec =
  | { kind: 'dataset'; dataset: string; ref?: string; path: string; timeColumn: string }
  | { kind: 'payload-log'; endpoint?: string }

/**
 * An action a monitor takes when an incident opens (once per incident, not per window): a
 * webhook, a pipeline run, or the closed loop (`retrain`, see {@link RetrainAction}).
 */
export type MonitorAction =
  | {
      kind: 'webhook'
      url: string
      headers?: Record<string, string>
      /** Attempts after the first on a timeout, network error or 5xx (default 3). */
      retries?: number
      /** First backoff in ms, doubled each retry (default 500). */
      backoffMs?: number
      /** Per attempt (default 5000). */
      timeoutMs?: number
    }
  | {
      kind: 'pipeline'
      pipeline: string
      /** Parameters; `{{window.start}}`, `{{window.end}}`, `{{monitor}}` and `{{model}}` are filled from the alert. */
      params?: Record<string, unknown>
    }
  | RetrainAction

/** A monitor as declared in a monitors module. */
export interface MonitorSpec {
  /** Unique name (`[a-z0-9][a-z0-9_-]*`). */
  name: string
  /** The registered model whose predictions are monitored. */
  model: string
  /** The version whose reference profile windows are compared with: a number or an alias (default: `champion`). */
  reference?: number | string
  /** The window: its length (`30m`, `1h`, `1d`) and its rows' source. */
  window: { every: string; source: WindowSourceSpec }
  /** A cron expression for `strata server`'s scheduler (5 fields, UTC); without it the monitor runs on demand. */
  schedule?: string
  /**
   * Drift and quality against the reference (on by default; `false` turns one off), and
   * performance of the predictions against the labels that have arrived in the window's rows.
   */
  checks?: { drift?: DriftOptions | false; quality?: QualityOptions | false; performance?: PerformanceSpec }
  actions?: MonitorAction[]
}

/** A validated monitor (what {@link monitor} returns). */
export interface MonitorDefinition extends MonitorSpec {
  readonly kind: 'monitor'
  /** Window length in milliseconds. */
  readonly windowMs: number
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,99}$/
/**
 * Declares a monitor, next to the features: the model, the reference it is compared with, the
 * window, the checks (drift with Evidently's defaults, data quality) and the actions taken when
 * an incident opens. Applied with `strata apply`; run by `strata monitor run <name>`.
 *
 * @example
 * export const delayDrift = monitor({
 *   name: 'delay-drift',
 *   model: 'flight-delay',
 *   reference: 'champion',
 *   window: { every: '1d', source: { kind: 'dataset', dataset: 'scored', path: 'scored.parquet', timeColumn: 'ts' } },
 *   checks: { drift: { driftShare: 0.5 }, quality: { thresholds: { missing: 0.2 } } },
 *   actions: [{ kind: 'webhook', url: 'https://hooks.example.com/ml' }, { kind: 'pipeline', pipeline: 'train' }],
 * })
 */
export function monitor(spec: MonitorSpec): MonitorDefinition {
  const where = `monitor "${String(spec?.name)}"`
  if (typeof spec?.name !== 'string' || !NAME.test(spec.name)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `monitor name ${JSON.stringify(spec?.name)} is invalid; use lower-case letters, digits, - and _ (at most 100)`,
    )
  }
  if (typeof spec.model !== 'string' || spec.model === '')
    throw new StrataError('INVALID_ARGUMENT', `${where}: model must name a registered model`)
  const windowMs = monitorDuration(`${where}: window.every`, spec.window?.every)
  const source = spec.window.source
  if (source?.kind === 'dataset') {
    for (const key of ['dataset', 'path', 'timeColumn'] as const) {
      if (typeof source[key] !== 'string' || source[key] === '')
        throw new StrataError(
          'INVALID_ARGUMENT',
          `${where}: window.source.${key} is required for a dataset source`,
        )
    }
  } else if (source?.kind !== 'payload-log') {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${where}: window.source.kind ${JSON.stringify((source as { kind?: unknown })?.kind)} is unknown; use "dataset" or "payload-log"`,
    )
  }
  if (spec.schedule !== undefined && spec.schedule.trim().split(/\s+/).length !== 5) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${where}: schedule "${spec.schedule}" is not a 5-field cron expression (e.g. "0 * * * *")`,
    )
  }
  if (spec.checks?.performance !== undefined)
    checkPerformanceSpec(where, spec.checks.performance, source.kind)
  for (const a of spec.actions ?? []) {
    if (a?.kind === 'webhook') {
      let url: URL | undefined
      try {
        url = new URL(a.url)
      } catch {}
      if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `${where}: webhook url ${JSON.stringify(a.url)} is not an http(s) URL`,
        )
      }
    } else if (a?.kind === 'pipeline') {
      if (typeof a.pipeline !== 'string' || a.pipeline === '')
        throw new StrataError('INVALID_ARGUMENT', `${where}: a pipeline action needs the pipeline's name`)
    } else if (a?.kind === 'retrain') {
      checkRetrainAction(where, a)
    } else {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `${where}: action kind ${JSON.stringify((a as { kind?: unknown })?.kind)} is unknown; use "webhook", "pipeline" or "retrain"`,
      )
    }
  }
  return Object.freeze({ ...spec, kind: 'monitor' as const, windowMs })
}

/** Whether `value` is a {@link MonitorDefinition}. */
export function isMonitor(value: unknown): value is MonitorDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'monitor' &&
    typeof (value as { name?: unknown }).name === 'string'
  )
}

/**
 * Checks a performance declaration against the window's source: which output is compared with
 * which truth, with no room for a guess. A payload-log window's truth is the ingested labels,
 * `@label` (a model output named `label` is an output, not ground truth); a dataset window's
 * truth is a column of its table. Throws `INVALID_ARGUMENT` naming the value otherwise.
 */
export function checkPerformanceSpec(
  where: string,
  perf: PerformanceSpec,
  source: WindowSourceSpec['kind'],
): void {
  if (perf.task !== 'classification' && perf.task !== 'regression') {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${where}: performance.task ${JSON.stringify(perf.task)} is unknown; use "classification" or "regression"`,
    )
  }
  if (typeof perf.prediction !== 'string' || perf.prediction === '' || typeof perf.label !== 'string')
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${where}: performance needs prediction (the model output compared) and label (the ground truth: "${GROUND_TRUTH}" for ingested labels, or a table column)`,
    )
  if (perf.prediction === GROUND_TRUTH || perf.prediction === perf.label) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${where}: performance.prediction ${JSON.stringify(perf.prediction)} names the ground truth; it must name the model output compared with it (e.g. "probabilities[1]")`,
    )
  }
  if (source === 'payload-log' && perf.label !== GROUND_TRUTH) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${where}: performance.label ${JSON.stringify(perf.label)} is ambiguous on a payload-log window: it would name a logged input or output of the model, not ground truth; delayed labels ingested by prediction id or entity are joined as "${GROUND_TRUTH}" (label: "${GROUND_TRUTH}")`,
    )
  }
  if (source === 'dataset' && perf.label === GROUND_TRUTH) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${where}: performance.label "${GROUND_TRUTH}" names labels ingested against the payload log, which a dataset window does not read; name the table column that holds the truth`,
    )
  }
  if (perf.labelDelay !== undefined) monitorDuration(`${where}: performance.labelDelay`, perf.labelDelay)
}
