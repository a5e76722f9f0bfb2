import { StrataError } from '../core/errors.js'
import {
  allocateValues,
  elementBytes,
  elementCount,
  type OipDatatype,
  type TensorValues,
} from './datatypes.js'

/** One named tensor as the server passes it around: datatype, shape and flat row-major values. */
export interface InferTensor {
  name: string
  datatype: OipDatatype
  shape: number[]
  values: TensorValues
}

const INT_RANGE: Partial<Record<OipDatatype, [number, number]>> = {
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
}

/** Flattens OIP JSON `data` (flat or nested row-major arrays) into a list of elements. */
function flatten(data: unknown, out: unknown[]): void {
  if (Array.isArray(data)) for (const d of data) flatten(d, out)
  else out.push(data)
}

function bad(name: string, message: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', `input "${name}": ${message}`, { details: { input: name } })
}

/**
 * Decodes the JSON `data` of a request input into typed values, checking every element against
 * the datatype (a number for numeric types, within range and integral for integers, a boolean
 * for `BOOL`, a string for `BYTES`) and the element count against the shape.
 */
export function tensorFromJson(
  name: string,
  datatype: OipDatatype,
  shape: number[],
  data: unknown,
): InferTensor {
  const fast = flatNumbers(datatype, shape, data)
  if (fast !== undefined) return { name, datatype, shape, values: fast }
  const flat: unknown[] = []
  flatten(data, flat)
  const n = elementCount(shape)
  if (flat.length !== n) {
    throw bad(name, `shape [${shape.join(',')}] holds ${n} elements but data has ${flat.length}`)
  }
  if (datatype === 'FP16') {
    throw bad(name, 'FP16 cannot be sent as JSON; send it as binary data (binary_data_size)')
  }
  const values = allocateValues(datatype, n)
  for (let i = 0; i < n; i++) {
    const v = flat[i]
    const at = () => `element ${i} (${JSON.stringify(v) ?? String(v)})`
    if (datatype === 'BYTES') {
      if (typeof v !== 'string') throw bad(name, `${at()} is not a string; BYTES data must be strings`)
      ;(values as string[])[i] = v
    } else if (datatype === 'BOOL') {
      if (typeof v !== 'boolean') throw bad(name, `${at()} is not a boolean; BOOL data must be true or false`)
      ;(values as Uint8Array)[i] = v ? 1 : 0
    } else if (datatype === 'INT64' || datatype === 'UINT64') {
      const big = toBigInt(v)
      if (big === undefined || (datatype === 'UINT64' && big < 0n)) {
        throw bad(
          name,
          `${at()} is not ${datatype === 'UINT64' ? 'a non-negative' : 'an'} integer as ${datatype} needs`,
        )
      }
      ;(values as BigInt64Array | BigUint64Array)[i] = big as never
    } else {
      if (typeof v !== 'number') {
        throw bad(name, `${at()} is not a number; ${datatype} data must be numbers`)
      }
      const range = INT_RANGE[datatype]
      if (range !== undefined && (!Number.isInteger(v) || v < range[0] || v > range[1])) {
        throw bad(name, `${at()} is not an integer in [${range[0]}, ${range[1]}] as ${datatype} needs`)
      }
      ;(values as Float64Array)[i] = v
    }
  }
  return { name, datatype, shape, values }
}

/**
 * The common case without an intermediate list: flat `data` of plain numbers filling the shape,
 * for a float or (in range, integral) 8–32-bit integer datatype, straight into its typed array.
 * Anything else (nested arrays, another datatype, a bad element) returns undefined and takes
 * the checked path, which names the offending element.
 */
function flatNumbers(datatype: OipDatatype, shape: number[], data: unknown): TensorValues | undefined {
  if (!Array.isArray(data) || datatype === 'FP16' || datatype === 'BOOL' || datatype === 'BYTES') return
  if (datatype === 'INT64' || datatype === 'UINT64') return
  const n = elementCount(shape)
  if (data.length !== n) return
  const values = allocateValues(datatype, n) as Float64Array
  const range = INT_RANGE[datatype]
  for (let i = 0; i < n; i++) {
    const v = data[i]
    if (typeof v !== 'number') return
    if (range !== undefined && (!Number.isInteger(v) || v < range[0] || v > range[1])) return
    values[i] = v
  }
  return values
}

function toBigInt(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v)
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v)
  return undefined
}

/**
 * Decodes a tensor sent with Triton's binary tensor extension: little-endian, row-major, BOOL as
 * one byte, BYTES as a 4-byte length before each element.
 */
export function tensorFromBinary(
  name: string,
  datatype: OipDatatype,
  shape: number[],
  bytes: Uint8Array,
): InferTensor {
  const n = elementCount(shape)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (datatype === 'BYTES') {
    const values: string[] = []
    let off = 0
    const decoder = new TextDecoder()
    while (off < bytes.byteLength) {
      if (off + 4 > bytes.byteLength)
        throw bad(name, `binary BYTES data ends inside an element length at byte ${off}`)
      const len = view.getUint32(off, true)
      off += 4
      if (off + len > bytes.byteLength)
        throw bad(name, `binary BYTES element ${values.length} runs past the data (${len} bytes at ${off})`)
      values.push(decoder.decode(bytes.subarray(off, off + len)))
      off += len
    }
    if (values.length !== n)
      throw bad(
        name,
        `shape [${shape.join(',')}] holds ${n} elements but the binary data has ${values.length}`,
      )
    return { name, datatype, shape, values }
  }
  const size = elementBytes(datatype)
  if (bytes.byteLength !== n * size) {
    throw bad(
      name,
      `shape [${shape.join(',')}] of ${datatype} needs ${n * size} bytes but binary_data_size is ${bytes.byteLength}`,
    )
  }
  const copy = new Uint8Array(bytes) // aligned copy; the platform is little-endian like the wire
  const values = allocateValues(datatype, 0) as Exclude<TensorValues, string[]>
  const Ctor = values.constructor as new (
    b: ArrayBuffer,
    o: number,
    l: number,
  ) => Exclude<TensorValues, string[]>
  const typed = new Ctor(copy.buffer, 0, n)
  if (datatype === 'BOOL') {
    for (let i = 0; i < n; i++)
      if (typed[i] !== 0 && typed[i] !== 1)
        throw bad(name, `binary BOOL element ${i} is ${typed[i]}, not 0 or 1`)
  }
  return { name, datatype, shape, values: typed }
}

/** The binary encoding of a tensor's values (see {@link tensorFromBinary}). */
export function tensorToBinary(tensor: InferTensor): Uint8Array {
  const v = tensor.values
  if (Array.isArray(v)) {
    const parts = v.map((s) => Buffer.from(s, 'utf8'))
    const out = Buffer.alloc(parts.reduce((a, p) => a + 4 + p.byteLength, 0))
    let off = 0
    for (const p of parts) {
      out.writeUInt32LE(p.byteLength, off)
      p.copy(out, off + 4)
      off += 4 + p.byteLength
    }
    return out
  }
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
}

/**
 * The JSON `data` of an output: numbers (64-bit integers as numbers when exactly representable),
 * booleans for BOOL, strings for BYTES. A 64-bit integer beyond 2^53 or an FP16 output cannot be
 * written exactly as JSON and fails with `FAILED_PRECONDITION`, asking for binary output instead.
 */
export function tensorToJson(tensor: InferTensor): (number | boolean | string)[] {
  const v = tensor.values
  if (Array.isArray(v)) return v
  if (tensor.datatype === 'FP16') {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `output "${tensor.name}" is FP16, which JSON cannot carry exactly; request it with binary_data: true`,
    )
  }
  if (tensor.datatype === 'BOOL') return Array.from(v as Uint8Array, (b) => b !== 0)
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    return Array.from(v as ArrayLike<bigint>, (b) => {
      const n = Number(b)
      if (!Number.isSafeInteger(n)) {
        throw new StrataError(
          'FAILED_PRECONDITION',
          `output "${tensor.name}" holds ${b}, beyond JSON's exact integers; request it with binary_data: true`,
        )
      }
      return n
    })
  }
  return Array.from(v as ArrayLike<number>)
}
