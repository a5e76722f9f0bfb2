/**
 * Pipelines: DAGs of typed steps declared in TypeScript (`pipeline`, `step`), planned with
 * content-addressed cache keys, driven through an `Executor` with run and step state in the
 * metadata database (so a run survives its coordinator), outputs stored as content-addressed
 * JSON with lineage.
 */

export { type CacheKey, type CacheKeyParts, cacheKey, canonicalJson, codeHash } from './cache-key.js'
export type { CommandSpec, Contract, ContractField, ContractType, ContractValue } from './command-spec.js'
export { type CommandStepOptions, commandStep } from './command-step.js'
export { type CronSchedule, parseCron } from './cron.js'
export { type FileOutput, type FileRef, file, fileKey, fileNode, json } from './file-outputs.js'
export { type BlobLiveLogOptions, blobLiveLog, type LiveLogFactory, type StepLogSink } from './live-log.js'
export { catalogOf, loadPipelines } from './load-pipelines.js'
export { type FollowedLogLine, type FollowLogsOptions, followStepLogs } from './log-follow.js'
export { datumsKey, type MapItem, type PipelineData } from './map-items.js'
export { INPUT_COMMIT_KEY, outputPath } from './map-output.js'
export {
  type Datum,
  type DatumFile,
  type DatumsSource,
  datasetOutput,
  datums,
  type MapItemOf,
  type MapOutputSpec,
  type MapSource,
  type MapSpec,
  overParam,
  type ParamListSource,
  selectDatums,
} from './map-source.js'
export { type MapStepOptions, mapStep } from './map-step.js'
export type { ElementCounts, MapElement } from './map-store.js'
export { mergeParams } from './params.js'
export { isPipeline, type Pipeline, type PipelineOptions, pipeline, pipelineRoot } from './pipeline.js'
export {
  type DatasetResolver,
  newPipelineRunId,
  type PipelineCatalog,
  PipelineEngine,
  type PipelineEngineOptions,
  type PipelineRunDetails,
  type PipelineRunOptions,
  type PipelineRunResult,
  runNode,
  type StepEvent,
} from './pipeline-engine.js'
export { type PipelineTables, pipelineMigrations } from './pipeline-migrations.js'
export { type PipelineSummary, summarizePipeline } from './pipeline-summary.js'
export type { ElementPlan, PipelinePlan, PlanReason, StepPlan } from './planner.js'
export { PIPELINE_RUN_SEARCH_SCHEMA } from './run-search-schema.js'
export type { PipelineRun, PipelineRunStatus, StepRun, StepRunStatus } from './run-store.js'
export {
  PipelineScheduler,
  type PipelineSchedulerOptions,
  type TriggerFiring,
  type TriggerProblem,
} from './scheduler.js'
export {
  type DatasetCommitValue,
  type DatasetRefInput,
  datasetInput,
  type InputValue,
  type InputValues,
  type JsonValue,
  type PipelineParams,
  type Step,
  type StepContext,
  type StepInput,
  type StepOptions,
  type StepRef,
  step,
} from './step.js'
export { logKey, type StepLog } from './step-logs.js'
export { outputKey, outputNode } from './step-outputs.js'
export {
  createStepHandler,
  jsonProblem,
  NonRetryableError,
  type PipelineLookup,
  type StepHandlerOptions,
} from './step-runner.js'
export {
  StepThreadPool,
  type StepThreadPoolOptions,
  type StepThreadRunOptions,
  type StepThreads,
} from './step-thread-pool.js'
export { type TriggeredRun, TriggerLoop, type TriggerLoopOptions } from './trigger-loop.js'
export { type CommitTrigger, type CronTrigger, onCommit, onCron, type PipelineTrigger } from './triggers.js'
