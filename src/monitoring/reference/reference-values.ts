import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import { StrataError } from '../../core/errors.js'
import type { BlobStore } from '../../ports/index.js'

/**
 * Reads the stored sorted values of a reference column (little-endian float64) into one
 * `Float64Array`, copying the bytes once: straight from the file when the blob store keeps
 * local files (a few large reads instead of a stream of 64 KB chunks), else streamed into the
 * array. A blob whose size is not a whole number of values is `DATA_LOSS` naming it.
 */
export async function readFloat64(blobs: BlobStore, key: string): Promise<Float64Array> {
  const local = blobs.capabilities.localPaths ? blobs.localPath?.(key) : undefined
  if (local !== undefined) {
    // O_NOFOLLOW: a symbolic link in place of the blob is refused, as the store's own reads do
    const handle = await open(local, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined)
    if (handle !== undefined) {
      try {
        const size = (await handle.stat()).size
        const out = allocate(key, size)
        const bytes = new Uint8Array(out.buffer)
        let at = 0
        while (at < size) {
          const { bytesRead } = await handle.read(bytes, at, size - at, at)
          if (bytesRead === 0) break
          at += bytesRead
        }
        if (at !== size) throw truncated(key, size, at)
        return out
      } finally {
        await handle.close()
      }
    }
  }
  const size = (await blobs.stat(key))?.size ?? 0
  const out = allocate(key, size)
  const bytes = new Uint8Array(out.buffer)
  let at = 0
  for await (const chunk of await blobs.get(key)) {
    if (at + chunk.byteLength > size) throw truncated(key, size, at + chunk.byteLength)
    bytes.set(chunk, at)
    at += chunk.byteLength
  }
  if (at !== size) throw truncated(key, size, at)
  return out
}

function allocate(key: string, size: number): Float64Array {
  if (size % 8 !== 0) {
    throw new StrataError(
      'DATA_LOSS',
      `reference values "${key}" hold ${size} bytes, not a whole number of 8-byte values; recompute the reference with "strata monitor reference"`,
      { details: { key, size } },
    )
  }
  return new Float64Array(size / 8)
}

function truncated(key: string, expected: number, got: number): StrataError {
  return new StrataError(
    'DATA_LOSS',
    `reference values "${key}" changed while read (${got} bytes of ${expected}); recompute the reference with "strata monitor reference"`,
    { details: { key, expected, got } },
  )
}
