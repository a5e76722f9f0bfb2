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

/** Monitoring routes: delayed labels in, closed loops out. */
export const monitoringApi = {
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
