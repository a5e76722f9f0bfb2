import { StrataError } from '../core/errors.js'
import { RUN_STATUSES, type RunStatus, type ViewType } from './tracking-types.js'

/** MLflow's limits, mirrored so a client mistake is refused the same way here and there. */
export const TRACKING_LIMITS = {
  keyLength: 250,
  paramValueLength: 6000,
  runTagValueLength: 8000,
  experimentTagValueLength: 20_000,
  experimentNameLength: 500,
  runNameLength: 500,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  searchMaxResults: 50_000,
  searchDefaultResults: 1000,
  metricHistoryMaxResults: 25_000,
} as const

// MLflow: ^[/\w.\- :]*$ with Python's Unicode \w.
const NAME = /^[/\p{L}\p{N}\p{M}_.\- :]*$/u
const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/
const EXPERIMENT_ID = /^[a-zA-Z0-9][\w-]{0,63}$/

function invalid(message: string, details?: Record<string, unknown>): StrataError {
  return new StrataError('INVALID_ARGUMENT', message, details === undefined ? {} : { details })
}

/**
 * Checks a metric, param or tag key: ≤250 characters of letters, digits, `_ - . / : space`, and
 * a normalized path (no empty, `.` or `..` segment, no leading or trailing `/`).
 */
export function validateKey(kind: string, key: unknown): asserts key is string {
  if (typeof key !== 'string') throw invalid(`${kind} key must be a string, got ${typeof key}`)
  if (key.length > TRACKING_LIMITS.keyLength) {
    throw invalid(
      `${kind} key "${key.slice(0, 40)}…" is ${key.length} characters long; at most ${TRACKING_LIMITS.keyLength} are allowed`,
      { key },
    )
  }
  if (!NAME.test(key)) {
    throw invalid(
      `invalid ${kind} key "${key}": names may only contain letters, digits, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/)`,
      { key },
    )
  }
  if (key === '' || key.startsWith('/') || key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw invalid(
      `invalid ${kind} key "${key}": it must be a normalized relative path (non-empty, no leading or trailing "/", no "//", "." or ".." segments)`,
      { key },
    )
  }
}

/** Checks a string value against a maximum length. */
export function validateValue(
  kind: string,
  key: string,
  value: unknown,
  max: number,
): asserts value is string {
  if (typeof value !== 'string') {
    throw invalid(`${kind} "${key}" must have a string value, got ${typeof value}`, { key })
  }
  if (value.length > max) {
    throw invalid(`${kind} "${key}" has a value of ${value.length} characters; at most ${max} are allowed`, {
      key,
      length: value.length,
      max,
    })
  }
}

/**
 * A param or run-tag value cut to `max` characters (Unicode code points, as Python counts them),
 * as MLflow's server does by default (`MLFLOW_TRUNCATE_LONG_VALUES`) instead of refusing it.
 * A value that is not a string is refused.
 */
export function truncatedValue(kind: string, key: string, value: unknown, max: number): string {
  if (typeof value !== 'string') {
    throw invalid(`${kind} "${key}" must have a string value, got ${typeof value}`, { key })
  }
  if (value.length <= max) return value
  const points = Array.from(value)
  return points.length <= max ? value : points.slice(0, max).join('')
}

/** Checks a metric's value (a number; NaN and ±Infinity allowed), timestamp (≥ 0) and step (integers). */
export function validateMetric(key: string, value: unknown, timestamp: unknown, step: unknown): void {
  if (typeof value !== 'number') {
    throw invalid(`metric "${key}" has value ${JSON.stringify(value)}; expected a number`, { key, value })
  }
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw invalid(
      `metric "${key}" has timestamp ${String(timestamp)}; expected epoch milliseconds as a whole number ≥ 0`,
      { key, timestamp },
    )
  }
  if (typeof step !== 'number' || !Number.isSafeInteger(step)) {
    throw invalid(`metric "${key}" has step ${String(step)}; expected a whole number`, { key, step })
  }
}

/** Checks an experiment name: non-empty, ≤500 characters. */
export function validateExperimentName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw invalid(`experiment name ${JSON.stringify(name)} is invalid; expected a non-empty string`)
  }
  if (name.length > TRACKING_LIMITS.experimentNameLength) {
    throw invalid(
      `experiment name "${name.slice(0, 40)}…" is ${name.length} characters long; at most ${TRACKING_LIMITS.experimentNameLength} are allowed`,
    )
  }
}

/** Checks a run id's shape (`^[a-zA-Z0-9][\w-]{0,255}$`, as MLflow). */
export function validateRunId(runId: unknown): asserts runId is string {
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) {
    throw invalid(
      `run id ${JSON.stringify(runId)} is invalid; expected letters, digits, "_" or "-", such as a 32-character hex id`,
      { runId },
    )
  }
}

/** Checks an experiment id's shape (`^[a-zA-Z0-9][\w-]{0,63}$`, as MLflow). */
export function validateExperimentId(experimentId: unknown): asserts experimentId is string {
  if (typeof experimentId !== 'string' || !EXPERIMENT_ID.test(experimentId)) {
    throw invalid(
      `experiment id ${JSON.stringify(experimentId)} is invalid; expected a string id such as "0" or "12"`,
      { experimentId },
    )
  }
}

/** Checks a run status name. */
export function validateRunStatus(status: unknown): asserts status is RunStatus {
  if (!RUN_STATUSES.includes(status as RunStatus)) {
    throw invalid(
      `run status ${JSON.stringify(status)} is invalid; expected one of ${RUN_STATUSES.join(', ')}`,
      {
        status,
      },
    )
  }
}

/**
 * Parses a view type, accepting Strata's (`active`, `deleted`, `all`) and MLflow's names
 * (`ACTIVE_ONLY`, `DELETED_ONLY`, `ALL`, also as the numbers 1, 2, 3).
 */
export function parseViewType(value: string | number | undefined): ViewType {
  if (value === undefined || value === '') return 'active'
  const v = String(value).toUpperCase()
  if (v === 'ACTIVE' || v === 'ACTIVE_ONLY' || v === '1') return 'active'
  if (v === 'DELETED' || v === 'DELETED_ONLY' || v === '2') return 'deleted'
  if (v === 'ALL' || v === '3') return 'all'
  throw invalid(
    `view type ${JSON.stringify(value)} is invalid; expected active, deleted or all (or ACTIVE_ONLY, DELETED_ONLY, ALL)`,
  )
}
