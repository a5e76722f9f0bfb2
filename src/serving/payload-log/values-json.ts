/**
 * The JSON text of logged values, written straight from typed arrays: the payload log encodes
 * every prediction on the request path (see `encodeEntryRow`), and joining a `Float32Array`
 * costs a fraction of turning it into an array of numbers first. The text is exactly
 * `JSON.stringify` of the values made JSON-safe (`jsonSafe`); anything the direct way cannot
 * write identically (NaN or ±Infinity, a BigInt beyond 2^53, a list) takes that general way.
 */

/** Values that are not plain JSON (a typed array, a BigInt) as JSON-safe values. */
export function jsonSafe(values: unknown): unknown[] {
  if (Array.isArray(values)) return values.map(jsonValue)
  if (ArrayBuffer.isView(values)) return Array.from(values as unknown as ArrayLike<unknown>, jsonValue)
  return [jsonValue(values)]
}

/** One value made JSON-safe: a BigInt as a number (or a string beyond 2^53), NaN/±Infinity as strings, bytes as base64. */
export function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v)
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64')
  return v
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/** `JSON.stringify(jsonSafe(values))`, joined directly when `values` is a typed array that allows it. */
export function valuesJson(values: unknown): string {
  if (values instanceof Float32Array || values instanceof Float64Array) {
    const text = values.join(',')
    // NaN and ±Infinity are stored as strings
    if (!text.includes('N') && !text.includes('I')) return `[${text}]`
  } else if (
    values instanceof Int32Array ||
    values instanceof Uint8Array ||
    values instanceof Int8Array ||
    values instanceof Int16Array ||
    values instanceof Uint16Array ||
    values instanceof Uint32Array
  ) {
    return `[${values.join(',')}]`
  } else if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    let safe = true
    for (const v of values) if (v > MAX_SAFE || v < -MAX_SAFE) safe = false
    if (safe) return `[${values.join(',')}]`
  }
  return JSON.stringify(jsonSafe(values))
}
