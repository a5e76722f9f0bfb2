import { createHash } from 'node:crypto'

/**
 * `length` deterministic pseudo-random bytes for `seed` (xorshift32), so tests can
 * rebuild expected content instead of keeping it, and different seeds differ everywhere.
 */
export function seededBytes(seed: number, length: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4))
  let x = (seed * 2654435761 + 1) >>> 0 || 1
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    words[i] = x
  }
  return new Uint8Array(words.buffer, 0, length)
}

/** Hex sha256 of `bytes`. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

/** Reads a whole stream into one buffer and counts its chunks. */
export async function readAll(stream: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; chunks: number }> {
  const parts: Uint8Array[] = []
  for await (const chunk of stream) parts.push(chunk)
  return { bytes: Buffer.concat(parts), chunks: parts.length }
}

/**
 * Streams `bytes` in uneven chunks cycling through `sizes` (zeros give empty chunks).
 * Chunks are views into `bytes` with non-zero offsets, so a store that ignores
 * `byteOffset` writes the wrong bytes.
 */
export async function* unevenChunks(
  bytes: Uint8Array,
  sizes: readonly number[] = [65_543, 1, 0, 300_007, 4096, 131_072],
): AsyncGenerator<Uint8Array> {
  let offset = 0
  for (let i = 0; offset < bytes.byteLength; i++) {
    const size = sizes[i % sizes.length] ?? 1
    yield bytes.subarray(offset, offset + size)
    offset += size
    // Let other work (concurrent puts and readers) interleave with this body.
    if (i % 8 === 0) await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

/** Sorts strings by their UTF-8 bytes with an independent implementation (`Buffer.compare`). */
export function byteSorted(keys: readonly string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
}
