/**
 * Pipelines: DAGs of typed steps declared in TypeScript (`pipeline`, `step`), planned with
 * content-addressed cache keys, driven through an `Executor` with run and step state in the
 * metadata database (so a run survives its coordinator), outputs stored as content-addressed
 * JSON with lineage.
 */
export { type CacheKey, type CacheKeyParts, cacheKey, canonicalJson, codeHash } from './cache-key.js'
export { catalogOf, loadPipelines } from './load-pipelines.js'
export { mergeParams } from './params.js'
export { isPipeline, type Pipeline, type PipelineOptions, pipeline } from './pipeline.js'
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
export type { PipelinePlan, PlanReason, StepPlan } from './planner.js'
export { PIPELINE_RUN_SEARCH_SCHEMA } from './run-search-schema.js'
export type { PipelineRun, PipelineRunStatus, StepRun, StepRunStatus } from './run-store.js'
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
export { outputKey, outputNode } from './step-outputs.js'
export { createStepHandler, jsonProblem, NonRetryableError, type PipelineLookup } from './step-runner.js'
