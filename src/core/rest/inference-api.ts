import { z } from 'zod'
import { defineRoute } from './rest-route.js'

/**
 * The Open Inference Protocol v2 (KServe V2 / Triton) REST contract as `strata server` speaks it.
 * Request schemas are lenient where the spec and real clients are (flat or nested `data`, no
 * `data` when `parameters.binary_data_size` carries the tensor in binary after the JSON header);
 * responses follow the spec exactly. Errors are the protocol's `{"error": "<message>"}`.
 */
export const oipParametersSchema = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
  .meta({ id: 'OipParameters' })

const shape = z.array(z.number().int().nonnegative())

/** One input of an inference request. */
export const oipRequestInputSchema = z.object({
  name: z.string().min(1),
  shape,
  datatype: z.string().min(1),
  parameters: oipParametersSchema.optional(),
  data: z.unknown().optional(),
})

/** One requested output. */
export const oipRequestOutputSchema = z.object({
  name: z.string().min(1),
  parameters: oipParametersSchema.optional(),
})

/** `$inference_request`. */
export const oipInferenceRequestSchema = z
  .object({
    id: z.string().optional(),
    parameters: oipParametersSchema.optional(),
    inputs: z.array(oipRequestInputSchema),
    outputs: z.array(oipRequestOutputSchema).optional(),
  })
  .meta({ id: 'OipInferenceRequest' })

/** `$response_output` (`data` absent when the tensor is sent as binary). */
export const oipResponseOutputSchema = z.object({
  name: z.string(),
  shape: z.array(z.number()),
  datatype: z.string(),
  parameters: oipParametersSchema.optional(),
  data: z.array(z.union([z.number(), z.boolean(), z.string()])).optional(),
})

/** `$inference_response`. */
export const oipInferenceResponseSchema = z
  .object({
    model_name: z.string(),
    model_version: z.string().optional(),
    id: z.string().optional(),
    parameters: oipParametersSchema.optional(),
    outputs: z.array(oipResponseOutputSchema),
  })
  .meta({ id: 'OipInferenceResponse' })

/** `$metadata_tensor` (-1 = variable size). */
export const oipMetadataTensorSchema = z.object({
  name: z.string(),
  datatype: z.string(),
  shape: z.array(z.number().int()),
})

/** `$metadata_model_response`. */
export const oipModelMetadataSchema = z
  .object({
    name: z.string(),
    versions: z.array(z.string()).optional(),
    platform: z.string(),
    inputs: z.array(oipMetadataTensorSchema),
    outputs: z.array(oipMetadataTensorSchema),
  })
  .meta({ id: 'OipModelMetadata' })

/** `$metadata_server_response`. */
export const oipServerMetadataSchema = z
  .object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) })
  .meta({ id: 'OipServerMetadata' })

/** The protocol's error body. */
export const oipErrorSchema = z.object({ error: z.string() }).meta({ id: 'OipError' })

const model = z.object({ name: z.string().min(1) })
const versioned = z.object({ name: z.string().min(1), version: z.string().min(1) })

/** The Open Inference Protocol v2 routes. */
export const inferenceApi = {
  serverMetadata: defineRoute({
    method: 'GET',
    path: '/v2',
    tag: 'inference',
    summary: 'Server metadata (name, version, protocol extensions)',
    response: oipServerMetadataSchema,
  }),
  live: defineRoute({
    method: 'GET',
    path: '/v2/health/live',
    tag: 'inference',
    summary: 'Server liveness: 200 {"live": true}',
    response: z.object({ live: z.boolean() }),
  }),
  ready: defineRoute({
    method: 'GET',
    path: '/v2/health/ready',
    tag: 'inference',
    summary: 'Server readiness: 200 {"ready": true}, 503 when a deployed model or the registry is not ready',
    response: z.object({ ready: z.boolean() }),
  }),
  listModels: defineRoute({
    method: 'GET',
    path: '/v2/models',
    tag: 'inference',
    summary: 'The served models (KServe extension)',
    response: z.object({ models: z.array(z.string()) }),
  }),
  modelMetadata: defineRoute({
    method: 'GET',
    path: '/v2/models/:name',
    tag: 'inference',
    summary: "A served model's metadata: platform, versions, input and output tensors",
    params: model,
    response: oipModelMetadataSchema,
  }),
  versionMetadata: defineRoute({
    method: 'GET',
    path: '/v2/models/:name/versions/:version',
    tag: 'inference',
    summary: "A served model version's metadata",
    params: versioned,
    response: oipModelMetadataSchema,
  }),
  modelReady: defineRoute({
    method: 'GET',
    path: '/v2/models/:name/ready',
    tag: 'inference',
    summary: 'Model readiness: 200 {"name", "ready": true}; 404 for a model that is not served',
    params: model,
    response: z.object({ name: z.string(), ready: z.boolean() }),
  }),
  versionReady: defineRoute({
    method: 'GET',
    path: '/v2/models/:name/versions/:version/ready',
    tag: 'inference',
    summary: 'Model version readiness',
    params: versioned,
    response: z.object({ name: z.string(), ready: z.boolean() }),
  }),
  infer: defineRoute({
    method: 'POST',
    path: '/v2/models/:name/infer',
    tag: 'inference',
    summary:
      'Inference (JSON tensors, or a JSON header of Inference-Header-Content-Length bytes followed by binary tensors)',
    params: model,
    response: oipInferenceResponseSchema,
  }),
  versionInfer: defineRoute({
    method: 'POST',
    path: '/v2/models/:name/versions/:version/infer',
    tag: 'inference',
    summary: 'Inference on a given model version',
    params: versioned,
    response: oipInferenceResponseSchema,
  }),
} as const
