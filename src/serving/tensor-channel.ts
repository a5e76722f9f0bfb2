/**
 * The shared-memory channel between the event loop and a model worker thread: one
 * `SharedArrayBuffer` per worker holding control words (read and written with `Atomics`), a
 * request region and a response region. A request whose tensors are all typed arrays and fit the
 * region is written here instead of being posted (structured clone, a message port and two event
 * loop wake-ups), the worker blocks in `Atomics.wait` until told, and answers in the response
 * region; anything else (strings, large tensors, a second request while one is in the region)
 * goes by `postMessage` as before. {@link writeChannelTensors} and {@link readChannelTensors}
 * are self-contained (no imports, no module state): the worker thread's source embeds their text.
 */

/** Index of each `Int32` control word. */
export const CONTROL = {
  /** Bumped by the event loop after every request it hands over (region or message). */
  signal: 0,
  /** 1 while a request waits in the request region. */
  request: 1,
  /** 0 none, 1 the answer is in the response region, 2 the answer was posted, 3 the worker died. */
  response: 2,
} as const

/** Response-word values. */
export const RESPONSE = { none: 0, inRegion: 1, posted: 2, dead: 3 } as const

/** Bytes of the control words (8-byte aligned). */
export const CONTROL_BYTES = 16
/** Bytes of each of the request and response regions: one request of up to this size uses the channel. */
export const REGION_BYTES = 64 * 1024

/** A tensor crossing the channel: onnxruntime's type name, dims and a typed array. */
export interface ChannelTensor {
  name: string
  type: string
  dims: readonly number[]
  data: unknown
}

/** What a region holds: the request (or answer) id, its tensors and, for a request, the outputs asked for. */
export interface ChannelMessage {
  id: number
  tensors: ChannelTensor[]
  names: string[] | undefined
}

/**
 * Writes `id`, `tensors` and `names` into `buffer` from byte `start` (8-aligned) up to `end`;
 * returns false, having written nothing that counts, when a tensor's data is not a typed array
 * (strings, plain arrays) or the whole does not fit.
 */
export function writeChannelTensors(
  buffer: SharedArrayBuffer,
  start: number,
  end: number,
  id: number,
  tensors: readonly ChannelTensor[],
  names: readonly string[] | undefined,
): boolean {
  const kinds = [
    Float32Array,
    Float64Array,
    Int8Array,
    Uint8Array,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    BigInt64Array,
    BigUint64Array,
  ]
  const view = new DataView(buffer)
  const bytes = new Uint8Array(buffer)
  const encoder = new TextEncoder()
  let at = start
  const room = (n: number) => at + n <= end
  const text = (s: string) => {
    const b = encoder.encode(s)
    if (!room(4 + b.byteLength)) return false
    view.setUint32(at, b.byteLength, true)
    bytes.set(b, at + 4)
    at += 4 + b.byteLength
    at = (at + 3) & ~3
    return true
  }
  if (!room(16)) return false
  view.setFloat64(at, id, true)
  view.setUint32(at + 8, tensors.length, true)
  view.setInt32(at + 12, names === undefined ? -1 : names.length, true)
  at += 16
  for (const t of tensors) {
    const data = t.data
    let kind = -1
    for (let k = 0; k < kinds.length; k++) if (data instanceof (kinds[k] as Float32ArrayConstructor)) kind = k
    if (kind < 0 || typeof t.type !== 'string') return false
    const typed = data as Uint8Array
    if (!text(t.name) || !text(t.type) || !room(8 + t.dims.length * 8)) return false
    view.setUint32(at, kind, true)
    view.setUint32(at + 4, t.dims.length, true)
    at += 8
    for (const d of t.dims) {
      view.setFloat64(at, d, true)
      at += 8
    }
    if (!room(8 + typed.byteLength)) return false
    view.setFloat64(at, typed.byteLength, true)
    at += 8
    bytes.set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength), at)
    at = (at + typed.byteLength + 7) & ~7
  }
  for (const n of names ?? []) if (!text(n)) return false
  return true
}

/** Reads what {@link writeChannelTensors} wrote at `start`; every array is a copy the caller owns. */
export function readChannelTensors(buffer: SharedArrayBuffer, start: number): ChannelMessage {
  const kinds = [
    Float32Array,
    Float64Array,
    Int8Array,
    Uint8Array,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    BigInt64Array,
    BigUint64Array,
  ]
  const view = new DataView(buffer)
  const decoder = new TextDecoder()
  let at = start
  const text = () => {
    const n = view.getUint32(at, true)
    // a copy: TextDecoder refuses views of shared memory
    const s = decoder.decode(new Uint8Array(buffer, at + 4, n).slice())
    at = (at + 4 + n + 3) & ~3
    return s
  }
  const id = view.getFloat64(at, true)
  const count = view.getUint32(at + 8, true)
  const nameCount = view.getInt32(at + 12, true)
  at += 16
  const tensors: ChannelTensor[] = []
  for (let i = 0; i < count; i++) {
    const name = text()
    const type = text()
    const Kind = kinds[view.getUint32(at, true)] as Float32ArrayConstructor
    const ndims = view.getUint32(at + 4, true)
    at += 8
    const dims: number[] = []
    for (let d = 0; d < ndims; d++) {
      dims.push(view.getFloat64(at, true))
      at += 8
    }
    const byteLength = view.getFloat64(at, true)
    at += 8
    const data = new Kind(byteLength / Kind.BYTES_PER_ELEMENT)
    new Uint8Array(data.buffer).set(new Uint8Array(buffer, at, byteLength))
    at = (at + byteLength + 7) & ~7
    tensors.push({ name, type, dims, data })
  }
  let names: string[] | undefined
  if (nameCount >= 0) {
    names = []
    for (let i = 0; i < nameCount; i++) names.push(text())
  }
  return { id, tensors, names }
}
