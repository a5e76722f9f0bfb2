import { type InferResult, tensorToBinary, tensorToJson } from '../../serving/index.js'

/** An encoded inference response: the body and its headers. */
export interface EncodedInferResponse {
  body: Buffer
  contentType: string
  /** Set when binary outputs follow the JSON header (`Inference-Header-Content-Length`). */
  headerLength?: number
}

/**
 * Encodes an inference result as the protocol's `$inference_response`: outputs in JSON `data`,
 * or as binary after the JSON header (`parameters.binary_data_size`) when `binary(name)` says so.
 */
export function encodeInferResponse(
  result: InferResult,
  binary: (name: string) => boolean,
): EncodedInferResponse {
  const chunks: Uint8Array[] = []
  const outputs = result.outputs.map((t) => {
    const base = { name: t.name, datatype: t.datatype, shape: t.shape }
    if (!binary(t.name)) return { ...base, data: tensorToJson(t) }
    const bytes = tensorToBinary(t)
    chunks.push(bytes)
    return { ...base, parameters: { binary_data_size: bytes.byteLength } }
  })
  const json = Buffer.from(
    JSON.stringify({
      model_name: result.modelName,
      model_version: result.modelVersion,
      ...(result.id === undefined ? {} : { id: result.id }),
      parameters: { prediction_id: result.predictionId },
      outputs,
    }),
  )
  if (chunks.length === 0) return { body: json, contentType: 'application/json' }
  return {
    body: Buffer.concat([json, ...chunks]),
    contentType: 'application/octet-stream',
    headerLength: json.byteLength,
  }
}
