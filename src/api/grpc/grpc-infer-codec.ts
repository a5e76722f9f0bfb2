import { StrataError } from '../../core/errors.js'
import type { InferRequest, InferResult, InferTensor } from '../../serving/index.js'
import {
  type GrpcTensorContents,
  grpcDatatype,
  grpcShape,
  tensorFromContents,
  tensorFromRaw,
  tensorToContents,
  tensorToRaw,
  typedContentsFit,
} from './grpc-tensors.js'

/** An `InferParameter` as proto-loader gives it (`oneofs`: the chosen field's name). */
export interface GrpcParameter {
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param'
  bool_param?: boolean
  int64_param?: string
  string_param?: string
  double_param?: number
  uint64_param?: string
}

/** `ModelInferRequest` as proto-loader gives it. */
export interface GrpcInferRequest {
  model_name: string
  model_version: string
  id: string
  parameters: Record<string, GrpcParameter>
  inputs: {
    name: string
    datatype: string
    shape: string[]
    parameters: Record<string, GrpcParameter>
    contents: GrpcTensorContents | null
  }[]
  outputs: { name: string; parameters: Record<string, GrpcParameter> }[]
  raw_input_contents: Uint8Array[]
}

/** `ModelInferResponse` as proto-loader takes it. */
export interface GrpcInferResponse {
  model_name: string
  model_version: string
  id: string
  parameters: Record<string, GrpcParameter>
  outputs: {
    name: string
    datatype: string
    shape: number[]
    contents?: GrpcTensorContents
  }[]
  raw_output_contents: Buffer[]
}

/** A decoded `ModelInferRequest`: the model, the request, and how outputs go back. */
export interface DecodedGrpcInfer {
  name: string
  /** `undefined`: the version the server chooses. */
  version: string | undefined
  request: InferRequest
  /** Whether the inputs came as `raw_input_contents` (the outputs then go back the same way). */
  raw: boolean
}

function invalid(message: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', message)
}

/**
 * Decodes a `ModelInferRequest`: inputs from `raw_input_contents` (one entry per input, in
 * order: what tritonclient.grpc sends) or from each input's typed `contents`, never a mix.
 * Every mistake is `INVALID_ARGUMENT` naming the field; the classification extension is
 * `UNSUPPORTED`, as over REST.
 */
export function decodeGrpcInfer(message: GrpcInferRequest): DecodedGrpcInfer {
  if (message.model_name === '') throw invalid('model_name is empty; name the model to infer with')
  const raw = message.raw_input_contents
  if (message.inputs.length === 0) throw invalid('the request has no inputs')
  if (raw.length > 0 && raw.length !== message.inputs.length) {
    throw invalid(
      `raw_input_contents has ${raw.length} entries but the request has ${message.inputs.length} inputs; send one per input, in order, or none`,
    )
  }
  const inputs: InferTensor[] = message.inputs.map((input, i) => {
    const datatype = grpcDatatype(input.name, input.datatype)
    const shape = grpcShape(input.name, input.shape)
    const bytes = raw[i]
    if (bytes === undefined) return tensorFromContents(input.name, datatype, shape, input.contents)
    const typed = Object.values(input.contents ?? {}).some((v) => Array.isArray(v) && v.length > 0)
    if (typed) {
      throw invalid(
        `input "${input.name}" has both contents and a raw_input_contents entry; send its values once`,
      )
    }
    return tensorFromRaw(input.name, datatype, shape, bytes)
  })
  for (const o of message.outputs) {
    if (o.parameters.classification !== undefined) {
      throw new StrataError(
        'UNSUPPORTED',
        `output "${o.name}": the classification extension is not supported`,
      )
    }
  }
  const outputs = message.outputs.map((o) => o.name)
  return {
    name: message.model_name,
    version: message.model_version === '' ? undefined : message.model_version,
    request: {
      ...(message.id === '' ? {} : { id: message.id }),
      inputs,
      ...(outputs.length === 0 ? {} : { outputs }),
    },
    raw: raw.length > 0,
  }
}

/**
 * Encodes an inference result as a `ModelInferResponse`: outputs in `raw_output_contents` when
 * the request sent raw inputs (or an output has no typed field), else in typed `contents`; the
 * prediction id in `parameters.prediction_id`, as over REST.
 */
export function encodeGrpcInfer(result: InferResult, raw: boolean): GrpcInferResponse {
  const asRaw = raw || !typedContentsFit(result.outputs)
  return {
    model_name: result.modelName,
    model_version: result.modelVersion,
    id: result.id ?? '',
    parameters: { prediction_id: { string_param: result.predictionId } },
    outputs: result.outputs.map((t) => ({
      name: t.name,
      datatype: t.datatype,
      shape: t.shape,
      ...(asRaw ? {} : { contents: tensorToContents(t) }),
    })),
    raw_output_contents: asRaw ? result.outputs.map(tensorToRaw) : [],
  }
}
