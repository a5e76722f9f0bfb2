/**
 * Re-chunks a body into multipart-upload parts: every part but the last is exactly
 * `sizeFor(partNumber)` bytes, the last holds the rest (an empty body yields no part).
 * Chunks are copied as they arrive, so a producer may reuse its buffer as soon as the
 * next chunk is requested, and a small body never costs a whole part-sized allocation.
 */
export async function* partsOf(
  body: Uint8Array | AsyncIterable<Uint8Array>,
  sizeFor: (partNumber: number) => number,
): AsyncGenerator<Uint8Array> {
  let partNumber = 1
  let pending: Uint8Array[] = []
  let pendingBytes = 0
  const take = (): Uint8Array => {
    const part = pending.length === 1 ? (pending[0] as Uint8Array) : Buffer.concat(pending, pendingBytes)
    pending = []
    pendingBytes = 0
    return part
  }
  const chunks: AsyncIterable<Uint8Array> | Uint8Array[] = body instanceof Uint8Array ? [body] : body
  for await (const chunk of chunks) {
    let offset = 0
    while (offset < chunk.byteLength) {
      const size = sizeFor(partNumber)
      const n = Math.min(size - pendingBytes, chunk.byteLength - offset)
      pending.push(chunk.slice(offset, offset + n))
      pendingBytes += n
      offset += n
      if (pendingBytes === size) {
        yield take()
        partNumber++
      }
    }
  }
  if (pendingBytes > 0) yield take()
}
