import type { DatasetDrift } from '../drift/dataset-drift.js'
import type { PerformanceResult } from '../performance/performance-metrics.js'
import type { DatasetProfile } from '../profile/profile-types.js'
import type { QualityResult } from '../quality/quality-checks.js'

/** A window's verdict: `alert` (dataset drift, a failed quality check or a broken performance bound), `ok`, or `no-data` (no rows in the window). */
export type ResultStatus = 'ok' | 'alert' | 'no-data'

/** One row of a monitor's time series. */
export interface MonitorResult {
  id: string
  monitor: string
  /** Epoch ms, inclusive. */
  windowStart: number
  /** Epoch ms, exclusive. */
  windowEnd: number
  model: string
  referenceVersion: number
  status: ResultStatus
  rows: number
  tested: number
  drifted: number
  datasetDrift: boolean
  qualityFailed: number
  /** The incident an alerting window belongs to. */
  incidentId: string | null
  createdAt: number
}

/** What happened when an action ran. */
export interface ActionOutcome {
  kind: 'webhook' | 'pipeline' | 'retrain'
  /** The URL, pipeline name, or (retrain) deployment. */
  target: string
  ok: boolean
  attempts: number
  /** HTTP status of the last attempt, a pipeline run id, the loop id and state, or the error. */
  detail: string
}

/** What is stored with a window's result (the reference profile is read from its own artifact). */
export type StoredDetails = Omit<MonitorReport, 'result' | 'reference'>

/** A window's full report: the result, the drift per column, the quality checks and both profiles. */
export interface MonitorReport {
  result: MonitorResult
  drift: DatasetDrift | null
  quality: QualityResult[]
  /** Predictions scored against the labels that have arrived (when the monitor checks performance). */
  performance?: PerformanceResult
  reference: DatasetProfile
  window: DatasetProfile | null
  /** The incident's actions, when this window opened one. */
  actions: ActionOutcome[]
}
