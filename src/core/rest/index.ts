/**
 * The contract of Strata's REST API: every route as data (method, path, zod schemas of params,
 * query, body and response). The server validates with it and generates `GET /api/openapi.json`
 * from it; the typed client builds its requests from it. Nothing here imports server code.
 */

import { dataApi } from './data-api.js'
import { deploymentApi } from './deployment-api.js'
import { experimentApi } from './experiment-api.js'
import { featureApi } from './feature-api.js'
import { inferenceApi } from './inference-api.js'
import { modelApi } from './model-api.js'
import { monitoringApi } from './monitoring-api.js'
import { pipelineApi } from './pipeline-api.js'
import { predictApi } from './predict-api.js'
import type { RestRoute } from './rest-route.js'
import { runApi } from './run-api.js'
import { serverApi } from './server-api.js'

export {
  dataApi,
  dataCommitSchema,
  dataDiffSchema,
  dataFileSchema,
  dataRefSchema,
  datasetSchema,
  tablePreviewSchema,
} from './data-api.js'
export {
  createDeploymentSchema,
  deploymentApi,
  deploymentDecisionSchema,
  deploymentPolicySchema,
  deploymentSchema,
  deploymentStatusSchema,
} from './deployment-api.js'
export { experimentApi, experimentSchema, lifecycleStageSchema } from './experiment-api.js'
export {
  feastOnlineRequestSchema,
  feastOnlineResponseSchema,
  feastWriteToOnlineStoreSchema,
  featureApi,
  featureInventoryItemSchema,
  featurePushRequestSchema,
  featurePushResponseSchema,
  featureVersionSchema,
  fieldStatusSchema,
} from './feature-api.js'
export {
  inferenceApi,
  oipErrorSchema,
  oipInferenceRequestSchema,
  oipInferenceResponseSchema,
  oipMetadataTensorSchema,
  oipModelMetadataSchema,
  oipParametersSchema,
  oipRequestInputSchema,
  oipRequestOutputSchema,
  oipResponseOutputSchema,
  oipServerMetadataSchema,
} from './inference-api.js'
export { aliasEventSchema, modelApi, modelVersionSchema, registeredModelSchema } from './model-api.js'
export {
  labelsRequestSchema,
  monitoringApi,
  monitorResultSchema,
  retrainLoopSchema,
} from './monitoring-api.js'
export { pipelineApi, pipelineRunSchema, pipelineSummarySchema, stepRunSchema } from './pipeline-api.js'
export { predictApi, predictRequestSchema, predictResponseSchema } from './predict-api.js'
export {
  defineRoute,
  errorBodySchema,
  type RestMethod,
  type RestResponse,
  type RestRoute,
  type RouteBody,
  type RouteBodyInput,
  type RouteParams,
  type RouteParamsInput,
  type RouteQuery,
  type RouteQueryInput,
  type RouteResponse,
} from './rest-route.js'
export {
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
export {
  artifactEntrySchema,
  metricSchema,
  runApi,
  runInfoSchema,
  runSchema,
  runStatusSchema,
} from './run-api.js'
export { changeEventSchema, lineageGraphSchema, lineageNodeSchema, serverApi } from './server-api.js'

/** Every route of Strata's REST API, grouped by resource. */
export const REST_API = {
  server: serverApi,
  experiments: experimentApi,
  runs: runApi,
  models: modelApi,
  deployments: deploymentApi,
  pipelines: pipelineApi,
  features: featureApi,
  inference: inferenceApi,
  predict: predictApi,
  data: dataApi,
  monitoring: monitoringApi,
} as const

/** Every route of {@link REST_API} in one list. */
export const REST_ROUTES: readonly RestRoute[] = Object.values(REST_API).flatMap((group) =>
  Object.values(group),
)
