import { StrataError } from '../core/errors.js'
import type { ModelSignature, TensorSpec } from '../registry/index.js'
import { type OipDatatype, oipDatatypeOf } from './datatypes.js'
import type { InferTensor } from './tensor.js'

/** A tensor of a model's signature in protocol terms: OIP datatype and shape (-1 = any size). */
export interface MetadataTensor {
  name: string
  datatype: OipDatatype
  shape: number[]
}

/** One input or output of a signature in protocol terms (symbolic and unknown dims become -1). */
export function metadataTensor(spec: TensorSpec): MetadataTensor {
  return {
    name: spec.name,
    datatype: oipDatatypeOf(spec.type),
    shape: (spec.shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
  }
}

function describe(spec: MetadataTensor): string {
  return `"${spec.name}" (${spec.datatype} [${spec.shape.join(',')}])`
}

/**
 * Checks a request's inputs against the model's signature: every input present exactly once, no
 * unknown names, the datatype the model declares, and a shape of the same rank whose fixed
 * dimensions match. Errors are `INVALID_ARGUMENT` naming the input and what the model expects.
 */
export function checkInputs(signature: ModelSignature, inputs: readonly InferTensor[]): void {
  const expected = signature.inputs.map(metadataTensor)
  const byName = new Map(expected.map((e) => [e.name, e]))
  const seen = new Set<string>()
  for (const input of inputs) {
    const spec = byName.get(input.name)
    if (spec === undefined) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `unknown input "${input.name}"; the model's inputs are ${expected.map(describe).join(', ')}`,
        { details: { input: input.name, expected: expected.map((e) => e.name) } },
      )
    }
    if (seen.has(input.name)) {
      throw new StrataError('INVALID_ARGUMENT', `input "${input.name}" is given more than once`, {
        details: { input: input.name },
      })
    }
    seen.add(input.name)
    if (input.datatype !== spec.datatype) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `input "${input.name}" has datatype ${input.datatype} but the model expects ${spec.datatype}`,
        { details: { input: input.name, datatype: input.datatype, expected: spec.datatype } },
      )
    }
    const rankKnown = signature.inputs.find((s) => s.name === input.name)?.shape !== null
    const fits =
      !rankKnown ||
      (input.shape.length === spec.shape.length &&
        spec.shape.every((d, i) => d === -1 || d === input.shape[i]))
    if (!fits) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `input "${input.name}" has shape [${input.shape.join(',')}] but the model expects [${spec.shape.join(',')}] (-1 = any size)`,
        { details: { input: input.name, shape: input.shape, expected: spec.shape } },
      )
    }
  }
  const missing = expected.filter((e) => !seen.has(e.name))
  if (missing.length > 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `missing input${missing.length > 1 ? 's' : ''} ${missing.map(describe).join(', ')}`,
      { details: { missing: missing.map((m) => m.name) } },
    )
  }
}

/** Checks requested output names against the signature; `INVALID_ARGUMENT` naming the unknown one. */
export function checkOutputNames(signature: ModelSignature, names: readonly string[]): void {
  const known = signature.outputs.map((o) => o.name)
  for (const name of names) {
    if (!known.includes(name)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `unknown output "${name}"; the model's outputs are ${known.map((k) => `"${k}"`).join(', ')}`,
        { details: { output: name, expected: known } },
      )
    }
  }
}
