import type { z } from 'zod'
import { StrataError } from '../../core/errors.js'
import { oipInferenceRequestSchema, type oipRequestOutputSchema } from '../../core/rest/index.js'
import {
  elementBytes,
  type InferRequest,
  type InferTensor,
  isOipDatatype,
  OIP_DATATYPES,
  type ServedModel,
  tensorFromBinary,
  tensorFromJson,
} from '../../serving/index.js'

/** A decoded inference request: the tensors, and how each output is to be sent back. */
export interface DecodedInferRequest {
  request: InferRequest
  /** Output name → send as binary; only the requested outputs (all when none were named). */
  binaryOutputs: (name: string) => boolean
}

const HEADER = 'inference-header-content-length'

function invalid(message: string, details?: Record<string, unknown>): StrataError {
  return new StrataError('INVALID_ARGUMENT', message, details === undefined ? {} : { details })
}

/**
 * Decodes an OIP v2 inference body: JSON, or (Triton's binary tensor extension) a JSON header of
 * `Inference-Header-Content-Length` bytes followed by the binary tensors in input order; a header
 * length of 0 is the raw form (the single input's bytes, one request of batch 1). Every mistake
 * is `INVALID_ARGUMENT` naming the field.
 */
export function decodeInferRequest(
  body: Buffer,
  headerLength: string | string[] | undefined,
  model: ServedModel,
): DecodedInferRequest {
  const raw = Array.isArray(headerLength) ? headerLength[0] : headerLength
  if (raw !== undefined) {
    const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN
    if (!Number.isSafeInteger(n) || n > body.byteLength) {
      throw invalid(
        `${HEADER} "${raw}" is invalid; expected the JSON header's byte length, 0–${body.byteLength} for this body`,
      )
    }
    if (n === 0) return rawBinaryRequest(body, model)
    return decodeJson(body.subarray(0, n), body.subarray(n))
  }
  return decodeJson(body, Buffer.alloc(0))
}

function decodeJson(json: Buffer, binary: Buffer): DecodedInferRequest {
  let parsed: unknown
  try {
    parsed = JSON.parse(json.toString('utf8'))
  } catch (err) {
    throw invalid(`the request body is not valid JSON: ${(err as Error).message}`)
  }
  const result = oipInferenceRequestSchema.safeParse(parsed)
  if (!result.success) {
    const issues = result.error.issues
      .map((i) => `${i.path.length > 0 ? `"${i.path.join('.')}": ` : ''}${i.message}`)
      .join('; ')
    throw invalid(`invalid inference request: ${issues}`)
  }
  const body = result.data
  let offset = 0
  const inputs: InferTensor[] = body.inputs.map((input) => {
    if (!isOipDatatype(input.datatype)) {
      throw invalid(
        `input "${input.name}": datatype "${input.datatype}" is not supported; expected one of ${OIP_DATATYPES.join(', ')}`,
        { input: input.name },
      )
    }
    const size = input.parameters?.binary_data_size
    if (size !== undefined) {
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
        throw invalid(`input "${input.name}": parameters.binary_data_size must be a non-negative integer`, {
          input: input.name,
        })
      }
      if (offset + size > binary.byteLength) {
        throw invalid(
          `input "${input.name}": binary_data_size ${size} runs past the ${binary.byteLength} binary bytes after the JSON header`,
          { input: input.name },
        )
      }
      const bytes = binary.subarray(offset, offset + size)
      offset += size
      return tensorFromBinary(input.name, input.datatype, input.shape, bytes)
    }
    if (input.data === undefined) {
      throw invalid(`input "${input.name}" has neither "data" nor parameters.binary_data_size`, {
        input: input.name,
      })
    }
    return tensorFromJson(input.name, input.datatype, input.shape, input.data)
  })
  if (offset !== binary.byteLength) {
    throw invalid(
      `the body carries ${binary.byteLength - offset} binary bytes after the inputs' binary_data_size total of ${offset}`,
    )
  }
  const requested = body.outputs
  for (const o of requested ?? []) {
    if (o.parameters?.classification !== undefined) {
      throw new StrataError(
        'UNSUPPORTED',
        `output "${o.name}": the classification extension is not supported`,
      )
    }
  }
  const allBinary = body.parameters?.binary_data_output === true
  return {
    request: {
      ...(body.id === undefined ? {} : { id: body.id }),
      inputs,
      ...(requested === undefined || requested.length === 0 ? {} : { outputs: requested.map((o) => o.name) }),
    },
    binaryOutputs: binaryChoice(requested, allBinary),
  }
}

function binaryChoice(
  requested: z.infer<typeof oipRequestOutputSchema>[] | undefined,
  allBinary: boolean,
): (name: string) => boolean {
  const per = new Map((requested ?? []).map((o) => [o.name, o.parameters?.binary_data]))
  return (name) => {
    const own = per.get(name)
    return typeof own === 'boolean' ? own : allBinary
  }
}

/** The raw binary form: the body is the one input's bytes, batch 1, every output binary. */
function rawBinaryRequest(body: Buffer, model: ServedModel): DecodedInferRequest {
  const [spec, ...more] = model.inputs
  if (spec === undefined || more.length > 0) {
    throw invalid(
      `a raw binary request (${HEADER}: 0) needs a model with exactly one input; model "${model.name}" has ${model.inputs.length}`,
    )
  }
  const variable = spec.shape.filter((d) => d < 0).length
  let shape: number[]
  if (spec.datatype === 'BYTES') shape = [1]
  else {
    if (variable > 1) {
      throw invalid(
        `a raw binary request needs at most one variable dimension; input "${spec.name}" has ${variable}`,
      )
    }
    const fixed = spec.shape.filter((d) => d >= 0).reduce((a, b) => a * b, 1)
    const count = body.byteLength / elementBytes(spec.datatype)
    const rest = count / fixed
    if (!Number.isInteger(rest) || (variable === 0 && rest !== 1)) {
      throw invalid(
        `a raw binary body of ${body.byteLength} bytes does not fill input "${spec.name}" (${spec.datatype} [${spec.shape.join(',')}])`,
      )
    }
    shape = spec.shape.map((d) => (d < 0 ? rest : d))
  }
  return {
    request: { inputs: [tensorFromBinary(spec.name, spec.datatype, shape, body)] },
    binaryOutputs: () => true,
  }
}
