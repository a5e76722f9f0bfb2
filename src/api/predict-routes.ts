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
 * stale feature is a 412 naming the entity and feature, a missing key or value a 400. A
 * deployment under progressive delivery routes the request by its policy (canary split, A/B,
 * shadow; a sticky header, or a sticky input read from the first entity row) and names the
 * version, revision and role that answered in the `strata-model-version`,
 * `strata-deployment-revision` and `strata-deployment-role` headers.
 */
export function predictRoutes(server: () => Promise<ModelServer>) {
  return async (app: FastifyInstance): Promise<void> => {
    bindRoute(
      app,
      predictApi.predict,
      async ({ params, body }, request, reply) => {
        const result = await (await server()).predict(params.deployment, body.entities, {
          requestId: request.id,
          headers: request.headers,
        })
        const only = result.predictions.length === 1 ? result.predictions[0] : undefined
        if (only !== undefined) reply.header(PREDICTION_ID_HEADER, only.predictionId)
        // a routed endpoint names the version and revision that answered, as the /v2 routes do
        reply.header('strata-model-version', result.modelVersion)
        if (result.deployment !== undefined) {
          reply.header('strata-deployment-revision', String(result.deployment.revision))
          reply.header('strata-deployment-role', result.deployment.role)
          if (result.deployment.fallback) reply.header('strata-deployment-fallback', 'true')
        }
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
