import type { InferRequest, RequestContext } from '../model-server-types.js'
import type { DeploymentPolicy } from './deployment-policy.js'

/** Buckets of the split: a share of 1 % is 100 buckets. */
export const SPLIT_BUCKETS = 10_000

/**
 * The split bucket (0 – 9 999) of a request key on an endpoint: 32-bit FNV-1a of
 * `endpoint \0 key`, then a murmur3 finalizer to spread it. Pure, so the same key lands in the
 * same bucket in every process, replica and restart; a version whose share grows keeps the
 * keys it had (the candidate takes buckets `0 … share·100 − 1`).
 */
export function splitBucket(endpoint: string, key: string): number {
  let h = 0x811c9dc5
  const text = `${endpoint}\0${key}`
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return (h >>> 0) % SPLIT_BUCKETS
}

/** True when a request in `bucket` goes to the candidate at `weight` %. */
export function toCandidate(bucket: number, weight: number): boolean {
  return bucket < Math.round(weight * (SPLIT_BUCKETS / 100))
}

/** The request's sticky key, when the policy has one and the request carries it. */
export function stickyKey(
  policy: DeploymentPolicy,
  request: InferRequest,
  context: RequestContext,
): string | undefined {
  const sticky = policy.sticky
  if (sticky === null) return undefined
  if ('header' in sticky) {
    const v = context.headers?.[sticky.header.toLowerCase()]
    return Array.isArray(v) ? v[0] : v
  }
  const input = request.inputs.find((i) => i.name === sticky.input)
  // an entity-row prediction's key (say user_id) is a request value, not a model input
  const first = input === undefined ? context.values?.[sticky.input] : input.values[0]
  return first === undefined || first === null ? undefined : String(first)
}
