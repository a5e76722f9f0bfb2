import { z } from 'zod'
import { defineRoute } from './rest-route.js'
import { queryInt } from './rest-schemas.js'

/** One monitored window's verdict. */
export const monitorResultSchema = z
  .object({
    id: z.string(),
    monitor: z.string(),
    windowStart: z.number().describe('epoch ms, inclusive'),
    windowEnd: z.number().describe('epoch ms, exclusive'),
    model: z.string(),
    referenceVersion: z.number(),
    status: z.enum(['ok', 'alert', 'no-data']),
    rows: z.number(),
    tested: z.number(),
    drifted: z.number(),
    datasetDrift: z.boolean(),
    qualityFailed: z.number(),
    incidentId: z.string().nullable(),
    createdAt: z.number(),
  })
  .meta({ id: 'MonitorResult' })

const columnDriftSchema = z.object({
  column: z.string(),
  kind: z.string(),
  status: z.string(),
  test: z.string(),
  defaultTest: z.boolean().describe("chosen by Evidently's default selection"),
  scoreKind: z.string().describe('p-value or distance'),
  threshold: z.number(),
  score: z.number().nullable(),
  drifted: z.boolean(),
  referenceSize: z.number(),
  currentSize: z.number(),
  referenceMissing: z.number(),
  currentMissing: z.number(),
  newCategories: z.array(z.string()),
})

const nameParams = z.object({ name: z.string() })

/** Monitor routes (`/api/monitors…`): read-only; monitors are declared in code and applied with `strata monitor apply`. */
export const monitorApi = {
  list: defineRoute({
    method: 'GET',
    path: '/api/monitors',
    tag: 'monitoring',
    summary: 'The applied monitors, each with its latest window result',
    response: z.object({
      monitors: z.array(
        z.object({
          name: z.string(),
          model: z.string(),
          schedule: z.string().nullable(),
          window: z.string().describe('the window length, e.g. 1h'),
          latest: monitorResultSchema.nullable(),
        }),
      ),
    }),
  }),
  history: defineRoute({
    method: 'GET',
    path: '/api/monitors/:name/history',
    tag: 'monitoring',
    summary: "A monitor's window results, newest first",
    params: nameParams,
    query: z.object({ limit: queryInt }),
    response: z.object({ results: z.array(monitorResultSchema) }),
  }),
  report: defineRoute({
    method: 'GET',
    path: '/api/monitors/:name/report',
    tag: 'monitoring',
    summary: "One window's report (the latest without windowStart): per-column drift and quality",
    params: nameParams,
    query: z.object({ windowStart: queryInt.describe('epoch ms of the window (default: the latest)') }),
    response: z.object({
      result: monitorResultSchema,
      drift: z
        .object({
          columns: z.array(columnDriftSchema),
          tested: z.number(),
          drifted: z.number(),
          share: z.number(),
          driftShare: z.number(),
          datasetDrift: z.boolean(),
        })
        .nullable(),
      quality: z.array(z.record(z.string(), z.unknown())),
      performance: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
}
