import type { ElementCounts } from './map-store.js'
import type { PipelineTables } from './pipeline-migrations.js'
import type { PipelineParams } from './step.js'

/** A run's state. `running` with a stale heartbeat means its coordinator died: resume it. */
export type PipelineRunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled'

/** A step's state within a run. */
export type StepRunStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled'

/** A pipeline run as stored. */
export interface PipelineRun {
  runId: string
  pipeline: string
  /** A label for people (default `<pipeline>-<run id>`). */
  name: string
  /** Free key/values (e.g. what triggered the run), searchable as `tags.<key>`. */
  tags: Record<string, string>
  status: PipelineRunStatus
  params: PipelineParams
  /** Dataset inputs resolved when planned: `"<step>.<input>"` → commit id. */
  resolved: Record<string, string>
  noCache: boolean
  userId: string
  createdAt: number
  startedAt: number | null
  endedAt: number | null
  heartbeatAt: number | null
  error: string | null
}

/** A step of a run as stored. */
export interface StepRun {
  runId: string
  step: string
  status: StepRunStatus
  /** Attempts started so far (0 before the first). */
  attempt: number
  cacheKey: string | null
  outputHash: string | null
  /** True when the output was reused from the cache instead of running the step. */
  cached: boolean
  startedAt: number | null
  endedAt: number | null
  error: string | null
  /** For a step mapped over datums with a dataset output: the commit its outputs were written as. */
  outputCommit: string | null
  /** For a mapped step (when shown): its elements per state. */
  elements?: ElementCounts
}

/** A number column (Postgres `int8` arrives as a string) as a number. */
export const num = (v: number | string | null): number | null => (v === null ? null : Number(v))

/** A `pipeline_runs` row, with its tags, as a run. */
export function toRun(row: PipelineTables['pipeline_runs'], tags: Record<string, string>): PipelineRun {
  return {
    runId: row.run_id,
    pipeline: row.pipeline,
    name: row.run_name,
    tags,
    status: row.status as PipelineRunStatus,
    params: JSON.parse(row.params) as PipelineParams,
    resolved: JSON.parse(row.resolved) as Record<string, string>,
    noCache: Number(row.no_cache) === 1,
    userId: row.user_id,
    createdAt: Number(row.created_at),
    startedAt: num(row.started_at),
    endedAt: num(row.ended_at),
    heartbeatAt: num(row.heartbeat_at),
    error: row.error,
  }
}
