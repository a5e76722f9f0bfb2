import { StrataError } from '../core/errors.js'
import type { ModelSignature } from '../registry/index.js'
import { allocateValues, elementCount, type TensorValues } from './datatypes.js'
import { metadataTensor } from './signature-check.js'
import type { InferTensor } from './tensor.js'

/** An output as a worker returns it (onnxruntime tensor fields, or a predictor's plain object). */
export interface WorkerOutput {
  name: string
  type?: string
  dims?: number[]
  data?: ArrayLike<number | bigint | boolean | string>
  missing?: true
}

/**
 * Turns a worker's output into a protocol tensor with the datatype the signature declares,
 * refusing anything that is not exactly that: a missing output, a type other than the
 * signature's, a shape whose element count differs from the data, or a value that does not fit
 * (a predictor returning `null` or a string for a number is an error, never a silent null).
 */
export function outputTensor(model: string, signature: ModelSignature, out: WorkerOutput): InferTensor {
  const spec = signature.outputs.find((o) => o.name === out.name)
  if (spec === undefined) {
    throw new StrataError(
      'INTERNAL',
      `${model} returned output "${out.name}", which its signature does not declare`,
    )
  }
  const meta = metadataTensor(spec)
  if (out.missing === true || out.data === undefined || out.dims === undefined) {
    throw new StrataError('USER_CODE', `${model} returned no value for output "${out.name}"`)
  }
  if (out.type !== undefined && out.type !== spec.type) {
    throw new StrataError(
      'USER_CODE',
      `${model} returned output "${out.name}" as ${out.type}, but its signature declares ${spec.type}`,
    )
  }
  const n = elementCount(out.dims)
  if (out.data.length !== n) {
    throw new StrataError(
      'USER_CODE',
      `${model} returned output "${out.name}" with shape [${out.dims.join(',')}] (${n} elements) but ${out.data.length} values`,
    )
  }
  return {
    name: out.name,
    datatype: meta.datatype,
    shape: out.dims,
    values: coerce(model, out, meta.datatype, n),
  }
}

function coerce(
  model: string,
  out: WorkerOutput,
  datatype: InferTensor['datatype'],
  n: number,
): TensorValues {
  const data = out.data as ArrayLike<unknown>
  const target = allocateValues(datatype, n)
  if (ArrayBuffer.isView(data) && (data as object).constructor === target.constructor)
    return data as TensorValues
  const fail = (i: number) =>
    new StrataError(
      'USER_CODE',
      `${model} returned ${JSON.stringify(String(data[i]))} at element ${i} of output "${out.name}", which is not a ${datatype} value`,
    )
  for (let i = 0; i < n; i++) {
    const v = data[i]
    if (datatype === 'BYTES') {
      if (typeof v !== 'string') throw fail(i)
      ;(target as string[])[i] = v
    } else if (datatype === 'BOOL') {
      if (typeof v !== 'boolean' && v !== 0 && v !== 1) throw fail(i)
      ;(target as Uint8Array)[i] = v === true || v === 1 ? 1 : 0
    } else if (target instanceof BigInt64Array || target instanceof BigUint64Array) {
      if (typeof v === 'bigint') target[i] = v
      else if (typeof v === 'number' && Number.isSafeInteger(v)) target[i] = BigInt(v)
      else throw fail(i)
    } else {
      if (typeof v !== 'number' && typeof v !== 'bigint') throw fail(i)
      const typed = target as Float64Array
      typed[i] = Number(v)
      // integers that do not fit the type would wrap silently
      if (!datatype.startsWith('FP') && typed[i] !== Number(v)) throw fail(i)
    }
  }
  return target
}
