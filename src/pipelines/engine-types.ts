import type { Executor } from '../ports/index.js'
import type { PipelineData } from './map-items.js'
import type { Pipeline } from './pipeline.js'
import type { PipelineRun, StepRun } from './run-types.js'
import type { JsonValue } from './step.js'

/** The pipelines a project defines, by name. */
export interface PipelineCatalog {
  get(name: string): Promise<Pipeline | undefined>
  list(): Promise<Pipeline[]>
}

/** Resolves a dataset ref to its commit id (`NOT_FOUND` when it does not exist). */
export type DatasetResolver = (dataset: string, ref: string) => Promise<string>

/** What a {@link PipelineEngine} is built with (by `platform/`). */
export interface PipelineEngineOptions {
  catalog: PipelineCatalog
  executor: Executor
  resolveDataset: DatasetResolver
  /** Steps of one run under way at once (default 8). */
  concurrency?: number
  /** How often a driving coordinator records a heartbeat (default 2,000 ms). */
  heartbeatMs?: number
  /**
   * The data repository, for steps mapped over datums and their dataset outputs (opened on
   * first use). Without it such a step fails naming what is missing.
   */
  data?: () => Promise<PipelineData>
}

/** A change of a step's state, for progress displays. */
export interface StepEvent {
  runId: string
  step: string
  status: 'running' | 'succeeded' | 'failed' | 'skipped' | 'retrying' | 'cancelled'
  attempt: number
  cached: boolean
  /** Set when the step ended. */
  durationMs?: number
  error?: string
  /** For a mapped step that ended: its elements that ran, hit the cache and failed. */
  elements?: { ran: number; cached: number; failed: number; total: number }
}

/** Options of {@link PipelineEngine.run}. */
export interface PipelineRunOptions {
  params?: Record<string, unknown>
  /** Run every step, reusing no cached output. */
  noCache?: boolean
  /** A label for the run (default `<pipeline>-<run id>`). */
  name?: string
  /** Key/values recorded with the run (searchable as `tags.<key>`). */
  tags?: Record<string, string>
  onEvent?: (event: StepEvent) => void
}

/** A run with its steps. */
export interface PipelineRunDetails {
  run: PipelineRun
  steps: StepRun[]
}

/** A finished run: its rows and the outputs of its succeeded steps. */
export interface PipelineRunResult extends PipelineRunDetails {
  outputs: Record<string, JsonValue>
}
