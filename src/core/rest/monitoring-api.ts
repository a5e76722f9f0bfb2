import { z } from 'zod'
import { defineRoute } from './rest-route.js'
import { queryInt, queryString } from './rest-schemas.js'

const labelValue = z
  .union([z.number(), z.string(), z.boolean(), z.array(z.unknown())])
  .describe('the ground truth (a class, a number, or a list for a batched prediction)')

/** `POST /api/monitoring/labels` body: delayed labels keyed by the prediction ids the payload log returned. */
export const labelsRequestSchema = z
  .object({
    labels: z
      .array(
        z.union([
          z
            .object({
              prediction_id: z.string().min(1).describe('the id a prediction route returned'),
              label: labelValue,
            })
            .strict(),
          z
            .object({
              entity: z
                .record(z.string(), z.unknown())
                .describe("the entity key the prediction was made for (the payload log's entity key)"),
              time: z
                .union([z.number(), z.string()])
                .describe(
                  'when the outcome happened (epoch ms or ISO): the latest prediction for the entity at or before it, within 7 days',
                ),
              label: labelValue,
            })
            .strict(),
        ]),
      )
      .min(1)
      .max(100_000),
  })
  .strict()
  .meta({ id: 'LabelsRequest' })

const loopEventSchema = z.object({
  at: z.number(),
  state: z.string(),
  detail: z.string(),
  runId: z.string().optional(),
  version: z.number().optional(),
  revision: z.number().optional(),
})

/** A closed retrain loop: incident → pipeline run → challenger version → deployment revision, with its timeline. */
export const retrainLoopSchema = z
  .object({
    id: z.string(),
    monitor: z.string(),
    incidentId: z.string(),
    deployment: z.string(),
    model: z.string(),
    pipeline: z.string(),
    state: z.enum([
      'retraining',
      'challenger',
      'shadowing',
      'rolling-out',
      'promoted',
      'rolled-back',
      'rejected',
      'failed',
      'skipped',
    ]),
    runId: z.string().nullable(),
    version: z.number().nullable(),
    metrics: z.record(z.string(), z.number()),
    revision: z.number().nullable(),
    reason: z.string().nullable(),
    action: z
      .record(z.string(), z.unknown())
      .describe('the retrain action as declared when the loop started'),
    window: z.object({ start: z.string(), end: z.string() }),
    events: z.array(loopEventSchema),
    createdAt: z.number(),
    updatedAt: z.number(),
    endedAt: z.number().nullable(),
  })
  .meta({ id: 'RetrainLoop' })

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

const monitorParams = z.object({ name: z.string() })

/**
 * Monitoring routes: the applied monitors with their window results and reports (read-only;
 * monitors are declared in code and applied with `strata monitor apply`), delayed labels in,
 * closed loops out.
 */
export const monitoringApi = {
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
    params: monitorParams,
    query: z.object({ limit: queryInt }),
    response: z.object({ results: z.array(monitorResultSchema) }),
  }),
  report: defineRoute({
    method: 'GET',
    path: '/api/monitors/:name/report',
    tag: 'monitoring',
    summary: "One window's report (the latest without windowStart): per-column drift and quality",
    params: monitorParams,
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
  ingestLabels: defineRoute({
    method: 'POST',
    path: '/api/monitoring/labels',
    tag: 'monitoring',
    summary:
      'Ingest delayed labels by prediction id or by entity key + time; a label matching no logged prediction fails the whole request (404, naming it), nothing ingested',
    body: labelsRequestSchema,
    response: z.object({ ingested: z.number() }),
  }),
  loops: defineRoute({
    method: 'GET',
    path: '/api/monitoring/loops',
    tag: 'monitoring',
    summary:
      'Closed retrain loops, newest first (of a monitor or a deployment; in flight only with inFlight=true)',
    query: z.object({
      monitor: queryString,
      deployment: queryString,
      inFlight: z.preprocess(
        (v) => (v === '' || v === undefined ? undefined : v === 'true'),
        z.boolean().optional(),
      ),
      limit: queryInt,
    }),
    response: z.object({ loops: z.array(retrainLoopSchema) }),
  }),
} as const
