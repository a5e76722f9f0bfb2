import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { GearChunker } from './gear-chunker.js'
import { sha256Hex } from './object-id.js'

const small = { minSize: 2 * 1024, avgSize: 8 * 1024, maxSize: 32 * 1024 }

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size)
}

async function split(chunker: GearChunker, bytes: Uint8Array, pieceSize = 4096): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const c of chunker.split(pieces(bytes, pieceSize))) out.push(c)
  return out
}

describe('GearChunker', () => {
  it('cuts chunks within the size bounds whose concatenation is the input', async () => {
    const chunker = new GearChunker(small)
    const data = randomBytes(1024 * 1024)
    const chunks = await split(chunker, data)
    expect(Buffer.concat(chunks).equals(data)).toBe(true)
    for (const c of chunks.slice(0, -1)) {
      expect(c.byteLength).toBeGreaterThanOrEqual(small.minSize)
      expect(c.byteLength).toBeLessThanOrEqual(small.maxSize)
    }
    const mean = data.byteLength / chunks.length
    expect(mean).toBeGreaterThan(small.avgSize / 2)
    expect(mean).toBeLessThan(small.avgSize * 2)
  })

  it('cuts the same chunks whatever the sizes of the pieces it is fed', async () => {
    const chunker = new GearChunker(small)
    const data = randomBytes(300 * 1024)
    const a = (await split(chunker, data, 1)).map(sha256Hex)
    const b = (await split(chunker, data, 100_000)).map(sha256Hex)
    const c = (await split(chunker, data, 777)).map(sha256Hex)
    expect(b).toEqual(a)
    expect(c).toEqual(a)
  }, 30_000)

  it('re-cuts only the chunks around an insertion in the middle', async () => {
    const chunker = new GearChunker(small)
    const data = randomBytes(2 * 1024 * 1024)
    const edited = Buffer.concat([data.subarray(0, 1_000_000), randomBytes(13), data.subarray(1_000_000)])
    const before = new Set((await split(chunker, data)).map(sha256Hex))
    const after = (await split(chunker, edited)).map(sha256Hex)
    const fresh = after.filter((id) => !before.has(id))
    expect(fresh.length).toBeGreaterThanOrEqual(1)
    expect(fresh.length).toBeLessThanOrEqual(3)
  })

  it('keeps every chunk but the last when data is appended', async () => {
    const chunker = new GearChunker(small)
    const data = randomBytes(1024 * 1024)
    const grown = Buffer.concat([data, randomBytes(20 * 1024)])
    const before = (await split(chunker, data)).map(sha256Hex)
    const after = (await split(chunker, grown)).map(sha256Hex)
    expect(after.slice(0, before.length - 1)).toEqual(before.slice(0, -1))
  })

  it('treats a short input as one chunk and an empty one as none', async () => {
    const chunker = new GearChunker(small)
    expect((await split(chunker, randomBytes(1000))).length).toBe(1)
    expect(await split(chunker, new Uint8Array(0))).toEqual([])
  })

  it('rejects sizes that are out of order or an average that is not a power of two', () => {
    expect(() => new GearChunker({ minSize: 4096, avgSize: 3000, maxSize: 8192 })).toThrow(/power of two/)
    expect(() => new GearChunker({ minSize: 8192, avgSize: 4096, maxSize: 16384 })).toThrow(/min < avg < max/)
  })
})
