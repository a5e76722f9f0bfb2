import { z } from 'zod'
import { lifecycleStageSchema } from './experiment-api.js'
import { defineRoute } from './rest-route.js'
import {
  emptySchema,
  pageSchema,
  queryInt,
  queryList,
  queryString,
  searchQuery,
  tagsSchema,
  viewSchema,
  wireNumber,
} from './rest-schemas.js'

/** A run's status, with MLflow's names. */
export const runStatusSchema = z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'])

/** A run's own attributes. */
export const runInfoSchema = z
  .object({
    runId: z.string(),
    runName: z.string(),
    experimentId: z.string(),
    userId: z.string(),
    status: runStatusSchema,
    startTime: z.number(),
    endTime: z.number().nullable(),
    artifactUri: z.string(),
    lifecycleStage: lifecycleStageSchema,
  })
  .meta({ id: 'RunInfo' })

/** One logged value of a metric. */
export const metricPointSchema = z.object({ value: wireNumber, timestamp: z.number(), step: z.number() })

/** A metric value with its key (a metric history entry). */
export const metricSchema = metricPointSchema.extend({ key: z.string() }).meta({ id: 'Metric' })

const modelIo = z.object({ modelId: z.string(), step: z.number().optional() })

/** A run with everything logged to it. */
export const runSchema = z
  .object({
    info: runInfoSchema,
    data: z.object({
      metrics: z.record(z.string(), metricPointSchema).describe('latest value per metric key'),
      params: tagsSchema,
      tags: tagsSchema,
    }),
    inputs: z.object({
      datasetInputs: z.array(
        z.object({
          dataset: z.object({
            name: z.string(),
            digest: z.string(),
            sourceType: z.string(),
            source: z.string(),
            schema: z.string().optional(),
            profile: z.string().optional(),
          }),
          tags: tagsSchema,
        }),
      ),
      modelInputs: z.array(modelIo),
    }),
    outputs: z.object({ modelOutputs: z.array(modelIo) }),
  })
  .meta({ id: 'Run' })

/** An entry of an artifact listing. */
export const artifactEntrySchema = z
  .object({ path: z.string(), isDir: z.boolean(), fileSize: z.number().optional() })
  .meta({ id: 'ArtifactEntry' })

// JSON has no NaN or Infinity: metric values may be spelled as strings, as MLflow's proto JSON does.
const metricValue = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform(Number)])

const idParams = z.object({ id: z.string() })
const artifactParams = z.object({ id: z.string(), '*': z.string().describe('artifact path') })

/** The run routes of Strata's REST API (`/api/runs…`). */
export const runApi = {
  list: defineRoute({
    method: 'GET',
    path: '/api/runs',
    tag: 'runs',
    summary: 'Search runs of experiments (paged)',
    query: z.object({
      ...searchQuery,
      experimentId: queryList.describe('experiment ids (repeat for more; default "0")'),
      view: viewSchema.optional(),
    }),
    response: pageSchema(runSchema),
  }),
  search: defineRoute({
    method: 'POST',
    path: '/api/runs/search',
    tag: 'runs',
    summary: 'Search runs with a JSON body (paged)',
    body: z.strictObject({
      experimentIds: z.array(z.string()).optional(),
      filter: z.string().optional(),
      orderBy: z.array(z.string()).optional(),
      view: viewSchema.optional(),
      maxResults: z.number().int().optional(),
      pageToken: z.string().optional(),
    }),
    response: pageSchema(runSchema),
  }),
  start: defineRoute({
    method: 'POST',
    path: '/api/runs',
    tag: 'runs',
    summary: 'Start a run (status RUNNING)',
    body: z.strictObject({
      experiment: z.string().optional().describe('experiment name, created when missing'),
      experimentId: z.string().optional(),
      name: z.string().optional(),
      parentRunId: z.string().optional(),
      userId: z.string().optional(),
      tags: tagsSchema.optional(),
    }),
    status: 201,
    response: runSchema,
  }),
  get: defineRoute({
    method: 'GET',
    path: '/api/runs/:id',
    tag: 'runs',
    summary: 'A run with everything logged to it',
    params: idParams,
    response: runSchema,
  }),
  update: defineRoute({
    method: 'PATCH',
    path: '/api/runs/:id',
    tag: 'runs',
    summary: "Update a run's status, end time or name",
    params: idParams,
    body: z.strictObject({
      status: runStatusSchema.optional(),
      endTime: z.number().int().nullable().optional(),
      name: z.string().optional(),
    }),
    response: runInfoSchema,
  }),
  end: defineRoute({
    method: 'POST',
    path: '/api/runs/:id/end',
    tag: 'runs',
    summary: 'End a run (default status FINISHED)',
    params: idParams,
    body: z.strictObject({ status: runStatusSchema.optional() }),
    response: runInfoSchema,
  }),
  delete: defineRoute({
    method: 'DELETE',
    path: '/api/runs/:id',
    tag: 'runs',
    summary: 'Delete a run (soft delete)',
    params: idParams,
    response: emptySchema,
  }),
  restore: defineRoute({
    method: 'POST',
    path: '/api/runs/:id/restore',
    tag: 'runs',
    summary: 'Restore a deleted run',
    params: idParams,
    response: runSchema,
  }),
  log: defineRoute({
    method: 'POST',
    path: '/api/runs/:id/log',
    tag: 'runs',
    summary: 'Log metrics, params and tags in one transaction',
    params: idParams,
    body: z.strictObject({
      metrics: z
        .array(
          z.strictObject({
            key: z.string(),
            value: metricValue,
            step: z.number().int().optional(),
            timestamp: z.number().int().optional(),
          }),
        )
        .optional(),
      params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      tags: tagsSchema.optional(),
    }),
    response: emptySchema,
  }),
  metricHistory: defineRoute({
    method: 'GET',
    path: '/api/runs/:id/metrics/:key',
    tag: 'runs',
    summary: "A metric's history (paged)",
    params: z.object({ id: z.string(), key: z.string() }),
    query: z.object({ maxResults: queryInt, pageToken: queryString }),
    response: pageSchema(metricSchema),
  }),
  sampledHistory: defineRoute({
    method: 'GET',
    path: '/api/metric-history/:key',
    tag: 'runs',
    summary:
      "A metric's history of 1–100 runs for charts: at most maxResults points per run (default and max 2,500), first, last, and each span's lowest and highest kept",
    params: z.object({ key: z.string() }),
    query: z.object({
      runId: queryList.describe('run ids (repeat for more, 1 to 100)'),
      maxResults: queryInt,
      startStep: queryInt,
      endStep: queryInt,
    }),
    response: z.object({ items: z.array(metricSchema.extend({ runId: z.string() })) }),
  }),
  listArtifacts: defineRoute({
    method: 'GET',
    path: '/api/runs/:id/artifacts',
    tag: 'runs',
    summary: "A directory of a run's artifacts (default the root)",
    params: idParams,
    query: z.object({ path: queryString }),
    response: z.array(artifactEntrySchema),
  }),
  getArtifact: defineRoute({
    method: 'GET',
    path: '/api/runs/:id/artifacts/*',
    tag: 'runs',
    summary: "A run's artifact file, streamed",
    params: artifactParams,
    response: 'bytes',
  }),
  putArtifact: defineRoute({
    method: 'PUT',
    path: '/api/runs/:id/artifacts/*',
    tag: 'runs',
    summary: "Store a run's artifact file from the streamed body",
    params: artifactParams,
    bytes: 'stream',
    response: emptySchema,
  }),
  compare: defineRoute({
    method: 'GET',
    path: '/api/runs/:id/compare',
    tag: 'runs',
    summary: 'Params and latest metrics of runs side by side',
    params: idParams,
    query: z.object({ with: queryList.describe('other run ids (repeat for more)') }),
    response: z.object({
      runs: z.array(runInfoSchema),
      params: z.record(z.string(), z.record(z.string(), z.string())),
      metrics: z.record(z.string(), z.record(z.string(), wireNumber)),
    }),
  }),
} as const
