import { StrataError } from '../core/errors.js'

/** The tensor datatypes of the Open Inference Protocol v2 (BF16 has no onnxruntime type, so it is not served). */
export const OIP_DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const

/** One of {@link OIP_DATATYPES}. */
export type OipDatatype = (typeof OIP_DATATYPES)[number]

/** The values of a tensor, flattened in row-major order: a typed array, or strings for `BYTES`. */
export type TensorValues =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | string[]

/** How each datatype is held: the onnxruntime type name, the element size and the typed array. */
interface DatatypeInfo {
  ort: string
  bytes: number
  make: (n: number) => Exclude<TensorValues, string[]>
}

const INFO: Record<OipDatatype, DatatypeInfo | { ort: 'string'; bytes: 0; make: null }> = {
  BOOL: { ort: 'bool', bytes: 1, make: (n) => new Uint8Array(n) },
  UINT8: { ort: 'uint8', bytes: 1, make: (n) => new Uint8Array(n) },
  UINT16: { ort: 'uint16', bytes: 2, make: (n) => new Uint16Array(n) },
  UINT32: { ort: 'uint32', bytes: 4, make: (n) => new Uint32Array(n) },
  UINT64: { ort: 'uint64', bytes: 8, make: (n) => new BigUint64Array(n) },
  INT8: { ort: 'int8', bytes: 1, make: (n) => new Int8Array(n) },
  INT16: { ort: 'int16', bytes: 2, make: (n) => new Int16Array(n) },
  INT32: { ort: 'int32', bytes: 4, make: (n) => new Int32Array(n) },
  INT64: { ort: 'int64', bytes: 8, make: (n) => new BigInt64Array(n) },
  FP16: { ort: 'float16', bytes: 2, make: (n) => new Uint16Array(n) },
  FP32: { ort: 'float32', bytes: 4, make: (n) => new Float32Array(n) },
  FP64: { ort: 'float64', bytes: 8, make: (n) => new Float64Array(n) },
  BYTES: { ort: 'string', bytes: 0, make: null },
}

const BY_ORT = new Map<string, OipDatatype>(
  OIP_DATATYPES.map((d) => [INFO[d].ort, d] as [string, OipDatatype]),
)

/** Whether `value` is an OIP datatype this server handles. */
export function isOipDatatype(value: string): value is OipDatatype {
  return (OIP_DATATYPES as readonly string[]).includes(value)
}

/** The OIP datatype of an onnxruntime tensor type (`float32` → `FP32`); `INVALID_ARGUMENT` for others. */
export function oipDatatypeOf(ortType: string): OipDatatype {
  const d = BY_ORT.get(ortType)
  if (d === undefined) {
    throw new StrataError(
      'UNSUPPORTED',
      `tensor type "${ortType}" has no Open Inference Protocol datatype (served: ${[...BY_ORT.keys()].join(', ')})`,
    )
  }
  return d
}

/** The onnxruntime tensor type of an OIP datatype (`FP32` → `float32`). */
export function ortTypeOf(datatype: OipDatatype): string {
  return INFO[datatype].ort
}

/** Bytes per element in the binary encoding (0 for `BYTES`, whose elements carry their length). */
export function elementBytes(datatype: OipDatatype): number {
  return INFO[datatype].bytes
}

/** A zeroed array of `n` elements of `datatype` (`BYTES`: `n` empty strings). */
export function allocateValues(datatype: OipDatatype, n: number): TensorValues {
  const info = INFO[datatype]
  return info.make === null ? new Array<string>(n).fill('') : info.make(n)
}

/** The number of elements a shape holds (1 for a scalar `[]`). */
export function elementCount(shape: readonly number[]): number {
  let n = 1
  for (const d of shape) n *= d
  return n
}
