import { createHash } from 'node:crypto'
import { StrataError } from '../../core/errors.js'

/** A content hash: 64 lower-case hex digits of SHA-256. */
export type ObjectId = string

const OBJECT_ID = /^[0-9a-f]{64}$/

/** Blob-store key prefix under which the data layer keeps everything it writes. */
export const DATA_BLOB_PREFIX = 'data/'

/**
 * What a content-addressed blob holds; each kind has its own key space.
 * - `object`: raw bytes, a whole small file or one chunk of a large one.
 * - `manifest`: the chunk list of a large file (its id is the hash of the manifest bytes).
 * - `tree`: one directory of a dataset snapshot.
 */
export type BlobKind = 'object' | 'manifest' | 'tree'

/** Every kind, for listings (gc) and messages. */
export const BLOB_KINDS: readonly BlobKind[] = ['object', 'manifest', 'tree']

/** The SHA-256 of `bytes` as 64 hex digits. */
export function sha256Hex(bytes: Uint8Array): ObjectId {
  return createHash('sha256').update(bytes).digest('hex')
}

/** True when `id` looks like an object id (64 lower-case hex digits). */
export function isObjectId(id: unknown): id is ObjectId {
  return typeof id === 'string' && OBJECT_ID.test(id)
}

/**
 * The blob key of a content-addressed blob: `data/<kind>s/<first two hex digits>/<id>`.
 * The two-digit fan-out keeps file-system directories small (256 of them).
 */
export function blobKeyOf(kind: BlobKind, id: ObjectId): string {
  return `${DATA_BLOB_PREFIX}${kind}s/${id.slice(0, 2)}/${id}`
}

/**
 * JSON with object keys sorted (by UTF-16 code unit; keys are ASCII here) and no whitespace,
 * so equal values always serialize to equal bytes and hash to equal ids.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new StrataError('INVALID_ARGUMENT', `cannot hash the non-finite number ${value}`)
    }
    return JSON.stringify(value) ?? 'null'
  }
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`
}
