import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { StrataError } from '../../core/errors.js'
import { type BlobKind, blobKeyOf, type ObjectId } from './object-id.js'

/**
 * The `DATA_LOSS` error of a stored object whose bytes do not match its content address:
 * names the object, what it holds (`where`: the dataset and path), what was found, and `fsck`.
 */
export function corruptObject(kind: BlobKind, id: ObjectId, found: string, where?: string): StrataError {
  return new StrataError(
    'DATA_LOSS',
    `${kind} ${id}${where === undefined ? '' : ` (${where})`} is corrupt: ${found}; ` +
      'the blob store does not hold what was written — run "strata data fsck" to list every damaged object',
    { details: { kind, id, key: blobKeyOf(kind, id), ...(where === undefined ? {} : { where }) } },
  )
}

/**
 * Passes `stream` through while hashing it; after the last piece, a SHA-256 other than `id` (a
 * flipped bit, a truncated or extended blob) throws {@link corruptObject}. Consumers see the
 * bytes as they come and the error at the end, so a verified read costs one pass of SHA-256
 * and no buffering; whoever writes the bytes somewhere must discard them on error (exports
 * write through a temporary file).
 */
export async function* verifiedStream(
  stream: AsyncIterable<Uint8Array>,
  kind: BlobKind,
  id: ObjectId,
  where?: string,
): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256')
  let size = 0
  for await (const piece of stream) {
    hash.update(piece)
    size += piece.byteLength
    yield piece
  }
  const actual = hash.digest('hex')
  if (actual !== id) throw corruptObject(kind, id, `its ${size} bytes hash to ${actual}`, where)
}

/** Checks a blob read whole: its SHA-256 must be `id` (and its size `size`, when known). */
export function verifyBytes(
  bytes: Buffer,
  kind: BlobKind,
  id: ObjectId,
  where?: string,
  size?: number,
): Buffer {
  if (size !== undefined && bytes.byteLength !== size) {
    throw corruptObject(kind, id, `it holds ${bytes.byteLength} bytes, ${size} were written`, where)
  }
  const actual = createHash('sha256').update(bytes).digest('hex')
  if (actual !== id) throw corruptObject(kind, id, `its ${bytes.byteLength} bytes hash to ${actual}`, where)
  return bytes
}

/**
 * Re-hashes a local file that stands for a stored object (the blob store's own file, or a
 * cached copy) before a tool such as DuckDB reads it directly. Throws {@link corruptObject}.
 */
export async function verifyLocalFile(path: string, id: ObjectId, where?: string): Promise<void> {
  const hash = createHash('sha256')
  let size = 0
  for await (const piece of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(piece)
    size += piece.byteLength
  }
  const actual = hash.digest('hex')
  if (actual !== id)
    throw corruptObject('object', id, `its ${size} bytes at ${path} hash to ${actual}`, where)
}
