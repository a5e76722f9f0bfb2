import { StrataError } from '../../core/errors.js'
import { canonicalJson, isObjectId, type ObjectId, sha256Hex } from './object-id.js'

/** The chunk list of a large file: chunk ids and sizes in file order. */
export interface ChunkManifest {
  /** Total file size in bytes (the sum of the chunk sizes). */
  size: number
  chunks: { id: ObjectId; size: number }[]
}

/** Serializes a manifest canonically; its SHA-256 is the file's object id. */
export function encodeManifest(manifest: ChunkManifest): { id: ObjectId; bytes: Uint8Array } {
  const json = canonicalJson({
    v: 1,
    size: manifest.size,
    chunks: manifest.chunks.map((c) => [c.id, c.size]),
  })
  const bytes = Buffer.from(json, 'utf8')
  return { id: sha256Hex(bytes), bytes }
}

/** Parses manifest bytes, failing with `INTERNAL` (a corrupt repository) when malformed. */
export function decodeManifest(bytes: Uint8Array, id: string): ChunkManifest {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch (err) {
    throw corrupt(id, 'it is not JSON', err)
  }
  const m = parsed as { v?: unknown; size?: unknown; chunks?: unknown }
  if (m.v !== 1 || typeof m.size !== 'number' || !Array.isArray(m.chunks)) {
    throw corrupt(id, 'it lacks version 1, size or chunks')
  }
  const chunks: ChunkManifest['chunks'] = []
  let total = 0
  for (const c of m.chunks as unknown[]) {
    if (!Array.isArray(c) || !isObjectId(c[0]) || typeof c[1] !== 'number' || c[1] < 0) {
      throw corrupt(id, `chunk entry ${JSON.stringify(c)} is not [id, size]`)
    }
    chunks.push({ id: c[0], size: c[1] })
    total += c[1]
  }
  if (total !== m.size) throw corrupt(id, `its chunks add up to ${total} bytes but it declares ${m.size}`)
  return { size: m.size, chunks }
}

function corrupt(id: string, why: string, cause?: unknown): StrataError {
  return new StrataError('INTERNAL', `chunk manifest ${id} is corrupt: ${why}; run "strata data fsck"`, {
    cause,
    details: { manifest: id },
  })
}
