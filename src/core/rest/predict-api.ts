import { z } from 'zod'
import { defineRoute } from './rest-route.js'

/** `POST /v1/predict/:deployment` body: entity rows (join keys and request-time values). */
export const predictRequestSchema = z
  .object({
    entities: z
      .array(z.record(z.string(), z.unknown()))
      .min(1)
      .describe('one object per prediction: the feature service join keys and any request-time values'),
  })
  .strict()
  .meta({ id: 'PredictRequest' })

/** `POST /v1/predict/:deployment` answer: one prediction per entity row, in order. */
export const predictResponseSchema = z
  .object({
    model_name: z.string(),
    model_version: z.string(),
    feature_views: z.array(z.object({ name: z.string(), version: z.number() })),
    predictions: z.array(
      z.object({
        prediction_id: z.string(),
        prediction: z.record(z.string(), z.unknown()).describe('each model output for this row'),
      }),
    ),
  })
  .meta({ id: 'PredictResponse' })

/** The JSON prediction route for applications (features read from the online store). */
export const predictApi = {
  predict: defineRoute({
    method: 'POST',
    path: '/v1/predict/:deployment',
    tag: 'inference',
    summary:
      'Predict for entity rows: online features are read for their keys and assembled into the model inputs; each row gets a prediction id',
    params: z.object({ deployment: z.string().min(1) }),
    body: predictRequestSchema,
    response: predictResponseSchema,
  }),
} as const
