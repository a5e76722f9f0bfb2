/**
 * Monitoring: reference and window profiles, drift tests with Evidently's defaults, data
 * quality checks, delayed-label performance, monitors and their actions. See docs/monitoring.md.
 */
export {
  type CategoricalSample,
  type ColumnSample,
  categoricalSample,
  type NumericSample,
  numericSample,
  sampleSize,
} from './drift/column-sample.js'
export {
  type ColumnDrift,
  type ColumnDriftStatus,
  type ColumnTestOption,
  columnDrift,
  computeDrift,
  type DatasetDrift,
  type DriftOptions,
} from './drift/dataset-drift.js'
export {
  binnedShares,
  defaultStatTest,
  isStatTestName,
  type ScoreKind,
  STAT_TEST_NAMES,
  STAT_TESTS,
  type StatTest,
  type StatTestName,
} from './drift/stat-tests.js'
export {
  incidentNode,
  LOOP_TRIGGER,
  type LoopDependencies,
  LoopEngine,
  type LoopPipelines,
} from './loop/loop-engine.js'
export { type LoopTables, loopMigrations } from './loop/loop-migrations.js'
export { type LoopPatch, type LoopStart, LoopStore } from './loop/loop-store.js'
export {
  LOOP_END_STATES,
  type LoopEvent,
  type LoopState,
  loopEnded,
  type RetrainAction,
  type RetrainLoop,
  type RetrainRollout,
} from './loop/loop-types.js'
export {
  checkRetrainAction,
  cooldownMs,
  DEFAULT_COOLDOWN,
  DEFAULT_MAX_PER_DAY,
  gateViolations,
} from './loop/retrain-action.js'
export {
  type MonitoringDependencies,
  MonitoringService,
  type MonitorRunOptions,
} from './monitoring-service.js'
export { type AlertPayload, type StartLoop, type StartPipeline, sendWebhook } from './monitors/actions.js'
export { loadMonitors } from './monitors/load-monitors.js'
export {
  checkPerformanceSpec,
  isMonitor,
  type MonitorAction,
  type MonitorDefinition,
  type MonitorSpec,
  monitor,
  type WindowSourceSpec,
} from './monitors/monitor-definition.js'
export { type MonitoringTables, monitoringMigrations } from './monitors/monitor-migrations.js'
export type { RunMonitorOptions } from './monitors/monitor-runner.js'
export {
  MonitorScheduler,
  type MonitorSchedulerOptions,
  type ScheduledMonitoring,
  type ScheduledRun,
} from './monitors/monitor-scheduler.js'
export type { Incident } from './monitors/monitor-store.js'
export type {
  ActionOutcome,
  MonitorReport,
  MonitorResult,
  ResultStatus,
  StoredDetails,
} from './monitors/monitor-types.js'
export { payloadHolds } from './monitors/payload-holds.js'
export { PayloadWindowSource, type QueryPredictions } from './monitors/payload-window-source.js'
export type { FireLeases, ScheduleFire } from './monitors/schedule-fires.js'
export { DatasetWindowSource, type WindowRows, type WindowSource } from './monitors/window-source.js'
export {
  type PerformanceResult,
  type PerformanceSpec,
  rocAuc,
  scorePerformance,
} from './performance/performance-metrics.js'
export { binningFor, quantilesFromHistogram } from './profile/histogram.js'
export { mergeProfiles } from './profile/merge-profiles.js'
export { histogramQuantiles, type ProfileTableOptions, profileTable } from './profile/profile-table.js'
export {
  type Binning,
  CATEGORY_CAP,
  type CategoricalProfile,
  type ColumnProfile,
  type DatasetProfile,
  DEFAULT_BINS,
  DISTINCT_CAP,
  type Histogram,
  type NumericProfile,
  PROFILE_QUANTILES,
  profileStd,
} from './profile/profile-types.js'
export {
  type ProfiledValues,
  type ProfileValuesOptions,
  profileValues,
  type RawColumn,
} from './profile/profile-values.js'
export {
  checkQuality,
  QUALITY_CHECKS,
  type QualityCheckName,
  type QualityOptions,
  type QualityResult,
  type QualityThresholds,
} from './quality/quality-checks.js'
export {
  type ComputeReferenceOptions,
  REFERENCE_TAG,
  ReferenceProfiles,
  type ReferenceSource,
  referenceBinnings,
  type StoredReference,
} from './reference/reference-store.js'
export { renderHtmlReport } from './report/html-report.js'
