import type { FastifyInstance } from 'fastify'
import { predictApi } from '../core/rest/index.js'
import type { ModelServer } from '../serving/index.js'
import { bindRoute } from './http/index.js'
import { PREDICTION_ID_HEADER } from './inference-routes.js'

/** Largest prediction request body (bytes): thousands of entity rows. */
const PREDICT_BODY_LIMIT = 4 * 1024 * 1024

/**
 * `POST /v1/predict/:deployment`: entity rows in, one prediction per row out, each with its
 * prediction id (the payload log's key; with one row also the `strata-prediction-id` header).
 * Features come from the online store through the deployment's feature service; a missing or
 * stale feature is a 412 naming the entity and feature, a missing key or value a 400.
 */
export function predictRoutes(server: () => Promise<ModelServer>) {
  return async (app: FastifyInstance): Promise<void> => {
    bindRoute(
      app,
      predictApi.predict,
      async ({ params, body }, request, reply) => {
        const result = await (await server()).predict(params.deployment, body.entities, {
          requestId: request.id,
        })
        const only = result.predictions.length === 1 ? result.predictions[0] : undefined
        if (only !== undefined) reply.header(PREDICTION_ID_HEADER, only.predictionId)
        return {
          model_name: result.modelName,
          model_version: result.modelVersion,
          feature_views: result.featureViews,
          predictions: result.predictions.map((p) => ({
            prediction_id: p.predictionId,
            prediction: p.outputs,
          })),
        }
      },
      { bodyLimit: PREDICT_BODY_LIMIT },
    )
  }
}
