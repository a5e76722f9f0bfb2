import { z } from 'zod'
import { defineRoute } from './rest-route.js'
import { pageSchema, queryString, searchQuery, tagsSchema } from './rest-schemas.js'

/** A declared pipeline: params, its DAG of steps and its triggers. */
export const pipelineSummarySchema = z
  .object({
    name: z.string(),
    description: z.string().nullable(),
    params: z.record(z.string(), z.unknown()),
    steps: z.array(
      z.object({
        name: z.string(),
        kind: z.enum(['function', 'command']),
        inputs: z.array(z.string()),
        upstream: z.array(z.string()).describe('the steps it reads (its edges in the DAG)'),
        cache: z.boolean(),
      }),
    ),
    triggers: z.array(z.string()).describe('`commit:<dataset>@<ref>` or `cron:<expression>`'),
  })
  .meta({ id: 'Pipeline' })

/** A pipeline run as stored. */
export const pipelineRunSchema = z
  .object({
    runId: z.string(),
    pipeline: z.string(),
    name: z.string(),
    tags: tagsSchema,
    status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
    params: z.record(z.string(), z.unknown()),
    resolved: z.record(z.string(), z.string()).describe('dataset inputs resolved to commit ids'),
    noCache: z.boolean(),
    userId: z.string(),
    createdAt: z.number(),
    startedAt: z.number().nullable(),
    endedAt: z.number().nullable(),
    heartbeatAt: z.number().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'PipelineRun' })

const stepStatusSchema = z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'])

const elementCountsSchema = z
  .object({
    total: z.number(),
    pending: z.number().optional(),
    running: z.number().optional(),
    succeeded: z.number().optional(),
    failed: z.number().optional(),
    skipped: z.number().optional(),
    cancelled: z.number().optional(),
  })
  .meta({ id: 'ElementCounts' })

/** A step of a pipeline run. */
export const stepRunSchema = z
  .object({
    runId: z.string(),
    step: z.string(),
    status: stepStatusSchema,
    attempt: z.number(),
    cacheKey: z.string().nullable(),
    outputHash: z.string().nullable(),
    cached: z.boolean().describe('the output was reused from the cache'),
    startedAt: z.number().nullable(),
    endedAt: z.number().nullable(),
    error: z.string().nullable(),
    outputCommit: z
      .string()
      .nullable()
      .describe(
        'for a step mapped over datums with a dataset output: the commit its outputs were written as',
      ),
    elements: elementCountsSchema
      .optional()
      .describe('for a mapped step: its elements (each its own step run) per state'),
  })
  .meta({ id: 'StepRun' })

/** One element of a mapped step: its own step run. */
export const mapElementSchema = z
  .object({
    index: z.number(),
    key: z.string().describe('the index, or the datum path'),
    address: z
      .string()
      .describe('the content address its cache key covers (`datum:<hash>`, `value:<sha256>`)'),
    status: stepStatusSchema,
    attempt: z.number(),
    cacheKey: z.string().nullable(),
    outputHash: z.string().nullable(),
    cached: z.boolean(),
    startedAt: z.number().nullable(),
    endedAt: z.number().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'MapElement' })

const runParams = z.object({ id: z.string() })

/**
 * Pipeline routes (`/api/pipelines…`, `/api/pipeline-runs…`): reads, and cancelling a run; runs
 * start from the CLI, the SDK or triggers.
 */
export const pipelineApi = {
  list: defineRoute({
    method: 'GET',
    path: '/api/pipelines',
    tag: 'pipelines',
    summary: 'The pipelines the project declares, with their steps, params and triggers',
    response: z.object({ pipelines: z.array(pipelineSummarySchema) }),
  }),
  runs: defineRoute({
    method: 'GET',
    path: '/api/pipeline-runs',
    tag: 'pipelines',
    summary:
      "Search pipeline runs (paged, newest first), e.g. filter=pipeline = 'train' AND status = 'failed'",
    query: z.object(searchQuery),
    response: pageSchema(pipelineRunSchema),
  }),
  run: defineRoute({
    method: 'GET',
    path: '/api/pipeline-runs/:id',
    tag: 'pipelines',
    summary: 'A pipeline run and the state of each of its steps',
    params: runParams,
    response: z.object({ run: pipelineRunSchema, steps: z.array(stepRunSchema) }),
  }),
  cancel: defineRoute({
    method: 'POST',
    path: '/api/pipeline-runs/:id/cancel',
    tag: 'pipelines',
    summary:
      'Cancel a running run: it and its unfinished steps turn cancelled, and the process driving it stops its running steps (threads, child processes, queue jobs)',
    params: runParams,
    response: z.object({ run: pipelineRunSchema, steps: z.array(stepRunSchema) }),
  }),
  logs: defineRoute({
    method: 'GET',
    path: '/api/pipeline-runs/:id/logs',
    tag: 'pipelines',
    summary: "A run's step logs per attempt (ctx.log lines; a command step's stdout and stderr)",
    params: runParams,
    query: z.object({ step: queryString.describe('only this step') }),
    response: z.object({
      logs: z.array(z.object({ step: z.string(), attempt: z.number(), lines: z.array(z.string()) })),
    }),
  }),
  elements: defineRoute({
    method: 'GET',
    path: '/api/pipeline-runs/:id/steps/:step/elements',
    tag: 'pipelines',
    summary:
      'The elements of a mapped step of a run (each its own step run), by index, paged, optionally in one state',
    params: z.object({ id: z.string(), step: z.string() }),
    query: z.object({
      status: stepStatusSchema.optional(),
      offset: z.coerce.number().int().min(0).optional(),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
    }),
    response: z.object({ elements: z.array(mapElementSchema) }),
  }),
}
