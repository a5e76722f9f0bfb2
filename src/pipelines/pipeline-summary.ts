import type { Pipeline } from './pipeline.js'
import type { JsonValue } from './step.js'

/** A pipeline as people and clients see it: its params, its DAG and its triggers. */
export interface PipelineSummary {
  name: string
  description: string | null
  params: Record<string, JsonValue>
  steps: {
    name: string
    /** `function` (TypeScript, on a worker thread or inline) or `command` (any language). */
    kind: 'function' | 'command'
    /** The step's input names. */
    inputs: string[]
    /** The steps it reads (its edges in the DAG). */
    upstream: string[]
    cache: boolean
  }[]
  /** Trigger ids: `commit:<dataset>@<ref>` or `cron:<expression>`. */
  triggers: string[]
}

/** The {@link PipelineSummary} of a declared pipeline (what `strata pipelines list` and `GET /api/pipelines` show). */
export function summarizePipeline(p: Pipeline): PipelineSummary {
  return {
    name: p.name,
    description: p.description ?? null,
    params: p.params,
    steps: p.steps.map((s) => ({
      name: s.name,
      kind: s.command === undefined ? 'function' : 'command',
      inputs: Object.keys(s.inputs),
      upstream: [...(p.upstream.get(s.name) ?? [])],
      cache: s.cache,
    })),
    triggers: p.triggers.map((t) => t.id),
  }
}
