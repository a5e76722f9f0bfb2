import { StrataError } from '../core/errors.js'
import type { BlobStore } from '../ports/index.js'
import { canonicalJson, sha256 } from './cache-key.js'
import type { JsonValue } from './step.js'

/** The blob key of a step output with content hash `hash`. */
export function outputKey(hash: string): string {
  return `pipelines/outputs/${hash.slice(0, 2)}/${hash}.json`
}

/** The lineage node of an output. */
export function outputNode(hash: string): string {
  return `pipeline-output:${hash}`
}

/**
 * Stores a step output as content-addressed JSON (key = sha256 of its canonical JSON): writing
 * the same value twice is one object, and a crash mid-write leaves no partial one (blob puts
 * are atomic). Returns the hash.
 */
export async function putOutput(blobs: BlobStore, value: unknown): Promise<string> {
  const text = canonicalJson(value as JsonValue)
  const hash = sha256(text)
  if ((await blobs.stat(outputKey(hash))) === undefined) {
    await blobs.put(outputKey(hash), new TextEncoder().encode(text))
  }
  return hash
}

/** Reads a stored output; `INTERNAL` when its blob is missing (the store lost an object). */
export async function getOutput(blobs: BlobStore, hash: string): Promise<JsonValue> {
  const info = await blobs.stat(outputKey(hash))
  if (info === undefined) {
    throw new StrataError(
      'INTERNAL',
      `pipeline output ${hash} is recorded but its blob ${outputKey(hash)} is missing`,
    )
  }
  const parts: Uint8Array[] = []
  for await (const chunk of await blobs.get(outputKey(hash))) parts.push(chunk)
  return JSON.parse(Buffer.concat(parts).toString('utf8')) as JsonValue
}
