import { StrataError } from '../../core/errors.js'
import {
  allocateValues,
  elementBytes,
  elementCount,
  type InferTensor,
  isOipDatatype,
  OIP_DATATYPES,
  type OipDatatype,
  tensorFromBinary,
  tensorToBinary,
} from '../../serving/index.js'

/**
 * `InferTensorContents` as `@grpc/proto-loader` (keepCase, longs as strings, defaults) gives and
 * takes it: 64-bit integers as decimal strings, bytes as Buffers.
 */
export interface GrpcTensorContents {
  bool_contents?: boolean[]
  int_contents?: number[]
  int64_contents?: string[]
  uint_contents?: number[]
  uint64_contents?: string[]
  fp32_contents?: number[]
  fp64_contents?: number[]
  bytes_contents?: Uint8Array[]
}

/** The typed contents field of each datatype (FP16 has none: it travels only as raw contents). */
const FIELD: Record<OipDatatype, keyof GrpcTensorContents | undefined> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP16: undefined,
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
}

const FIELDS = [...new Set(Object.values(FIELD).filter((f) => f !== undefined))]

/** Integer ranges narrower than the protobuf field that carries them. */
const NARROW: Partial<Record<OipDatatype, [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  UINT8: [0, 255],
  UINT16: [0, 65535],
}

function bad(name: string, message: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', `input "${name}": ${message}`, { details: { input: name } })
}

/** A tensor's datatype checked against the protocol's list. */
export function grpcDatatype(name: string, datatype: string): OipDatatype {
  if (!isOipDatatype(datatype)) {
    throw bad(name, `datatype "${datatype}" is not supported; expected one of ${OIP_DATATYPES.join(', ')}`)
  }
  return datatype
}

/** A tensor's shape (int64 dimensions as decimal strings) as numbers, each a non-negative integer. */
export function grpcShape(name: string, shape: readonly (string | number)[]): number[] {
  return shape.map((d, i) => {
    const n = Number(d)
    if (!Number.isSafeInteger(n) || n < 0) {
      throw bad(name, `shape dimension ${i} is ${d}; expected a non-negative integer`)
    }
    return n
  })
}

/** Decodes one input's typed `contents`: exactly the datatype's field, one value per element. */
export function tensorFromContents(
  name: string,
  datatype: OipDatatype,
  shape: number[],
  contents: GrpcTensorContents | null | undefined,
): InferTensor {
  const field = FIELD[datatype]
  if (field === undefined) {
    throw bad(name, `${datatype} has no typed contents field; send it in raw_input_contents`)
  }
  const other = FIELDS.find((f) => f !== field && (contents?.[f]?.length ?? 0) > 0)
  if (other !== undefined) {
    throw bad(
      name,
      `datatype ${datatype} carries its values in contents.${field}, but the request set contents.${other}`,
    )
  }
  const given = (contents?.[field] ?? []) as readonly unknown[]
  const n = elementCount(shape)
  if (given.length !== n) {
    throw bad(
      name,
      `shape [${shape.join(',')}] holds ${n} elements but contents.${field} has ${given.length}` +
        (given.length === 0 ? ' (send the values in contents or raw_input_contents)' : ''),
    )
  }
  if (datatype === 'BYTES') {
    const decoder = new TextDecoder()
    return { name, datatype, shape, values: (given as Uint8Array[]).map((b) => decoder.decode(b)) }
  }
  const values = allocateValues(datatype, n)
  if (datatype === 'INT64' || datatype === 'UINT64') {
    const big = values as BigInt64Array | BigUint64Array
    for (let i = 0; i < n; i++) big[i] = BigInt(given[i] as string) as never
    return { name, datatype, shape, values }
  }
  const range = NARROW[datatype]
  const out = values as Exclude<typeof values, string[] | BigInt64Array | BigUint64Array>
  for (let i = 0; i < n; i++) {
    const v = given[i]
    const x = typeof v === 'boolean' ? (v ? 1 : 0) : (v as number)
    if (range !== undefined && (x < range[0] || x > range[1])) {
      throw bad(name, `element ${i} (${x}) is not in [${range[0]}, ${range[1]}] as ${datatype} needs`)
    }
    out[i] = x
  }
  return { name, datatype, shape, values }
}

/** Decodes one input sent in `raw_input_contents` (Triton's binary layout). */
export function tensorFromRaw(
  name: string,
  datatype: OipDatatype,
  shape: number[],
  raw: Uint8Array,
): InferTensor {
  const size = elementBytes(datatype)
  const n = elementCount(shape)
  if (size > 0 && raw.byteLength !== n * size) {
    throw bad(
      name,
      `shape [${shape.join(',')}] of ${datatype} needs ${n * size} bytes but its raw_input_contents entry has ${raw.byteLength}`,
    )
  }
  return tensorFromBinary(name, datatype, shape, raw)
}

/** Whether every output can be sent as typed contents (FP16 cannot). */
export function typedContentsFit(outputs: readonly InferTensor[]): boolean {
  return outputs.every((t) => FIELD[t.datatype] !== undefined)
}

/** One output's typed `contents`. */
export function tensorToContents(tensor: InferTensor): GrpcTensorContents {
  const field = FIELD[tensor.datatype]
  if (field === undefined) {
    throw new StrataError(
      'INTERNAL',
      `output "${tensor.name}" is ${tensor.datatype}, which has no typed contents`,
    )
  }
  const v = tensor.values
  if (Array.isArray(v)) return { bytes_contents: v.map((s) => Buffer.from(s, 'utf8')) }
  if (tensor.datatype === 'BOOL') return { bool_contents: Array.from(v as Uint8Array, (b) => b !== 0) }
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    return { [field]: Array.from(v as ArrayLike<bigint>, (b) => b.toString()) }
  }
  return { [field]: Array.from(v as ArrayLike<number>) }
}

/** One output's `raw_output_contents` entry. */
export function tensorToRaw(tensor: InferTensor): Buffer {
  const bytes = tensorToBinary(tensor)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
