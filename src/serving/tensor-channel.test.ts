import { describe, expect, it } from 'vitest'
import { type ChannelTensor, readChannelTensors, writeChannelTensors } from './tensor-channel.js'

const REGION = 4096

function roundTrip(tensors: ChannelTensor[], names?: string[]) {
  const buffer = new SharedArrayBuffer(16 + REGION)
  const ok = writeChannelTensors(buffer, 16, 16 + REGION, 42, tensors, names)
  return { ok, read: ok ? readChannelTensors(buffer, 16) : undefined }
}

describe('tensor channel codec', () => {
  it('round-trips every typed array kind with its name, type and dims, and the requested outputs', () => {
    const tensors: ChannelTensor[] = [
      { name: 'f32', type: 'float32', dims: [2, 2], data: new Float32Array([1.5, -2, 3, 0.25]) },
      { name: 'f64', type: 'float64', dims: [1], data: new Float64Array([Math.PI]) },
      { name: 'i8', type: 'int8', dims: [3], data: new Int8Array([-128, 0, 127]) },
      { name: 'bool', type: 'bool', dims: [3], data: new Uint8Array([1, 0, 1]) },
      { name: 'i16', type: 'int16', dims: [1], data: new Int16Array([-300]) },
      { name: 'f16', type: 'float16', dims: [1], data: new Uint16Array([15360]) },
      { name: 'i32', type: 'int32', dims: [1, 1], data: new Int32Array([-7]) },
      { name: 'u32', type: 'uint32', dims: [1], data: new Uint32Array([4294967295]) },
      { name: 'i64', type: 'int64', dims: [2], data: new BigInt64Array([-(2n ** 62n), 9007199254740993n]) },
      { name: 'u64', type: 'uint64', dims: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
      { name: 'empty', type: 'float32', dims: [0, 3], data: new Float32Array(0) },
      { name: 'ünï', type: 'float32', dims: [], data: new Float32Array([1]) },
    ]
    const { ok, read } = roundTrip(tensors, ['out', 'prédiction'])
    expect(ok).toBe(true)
    expect(read?.id).toBe(42)
    expect(read?.names).toEqual(['out', 'prédiction'])
    expect(read?.tensors).toEqual(tensors)
    for (const [i, t] of (read?.tensors ?? []).entries()) {
      expect((t.data as object).constructor).toBe((tensors[i] as ChannelTensor).data?.constructor)
      // a copy the caller owns, not a view of the shared buffer
      expect((t.data as Uint8Array).buffer).toBeInstanceOf(ArrayBuffer)
    }
  })

  it('keeps "no outputs requested" apart from an empty list', () => {
    const t: ChannelTensor = { name: 'x', type: 'float32', dims: [1], data: new Float32Array([1]) }
    expect(roundTrip([t]).read?.names).toBeUndefined()
    expect(roundTrip([t], []).read?.names).toEqual([])
  })

  it('refuses strings, plain arrays, a missing type and tensors that do not fit', () => {
    const strings = { name: 's', type: 'string', dims: [1], data: ['a'] }
    const plain = { name: 'p', type: 'float32', dims: [2], data: [1, 2] }
    const untyped = { name: 'u', type: undefined as unknown as string, dims: [1], data: new Float32Array(1) }
    const big = { name: 'b', type: 'float32', dims: [1024], data: new Float32Array(1024) }
    expect(roundTrip([strings]).ok).toBe(false)
    expect(roundTrip([plain]).ok).toBe(false)
    expect(roundTrip([untyped]).ok).toBe(false)
    expect(roundTrip([big]).ok).toBe(false)
    expect(roundTrip([{ ...big, dims: [1000], data: new Float32Array(1000) }]).ok).toBe(true)
  })
})
