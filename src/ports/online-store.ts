/** A JSON-compatible value as stored in the online store. */
export type OnlineValue = null | boolean | number | string | OnlineValue[] | { [key: string]: OnlineValue }

/** One field of one entity to write. */
export interface OnlineWrite {
  /** The entity's serialized join key, e.g. `"SFO"` or `"SFO|JFK"`. */
  entityKey: string
  /** The field name within the entity's record (for features: the feature view name). */
  field: string
  /** The value; usually an object of feature name → value. */
  value: OnlineValue
  /** Event time of the value, epoch milliseconds. */
  eventTime: number
  /** Absolute expiry, epoch milliseconds; after it the field reads as missing. Needs `capabilities.ttl`. */
  expiresAt?: number
}

/** One stored field as read back. */
export interface OnlineField {
  value: OnlineValue
  eventTime: number
}

/** Result of a batch write. */
export interface OnlineWriteResult {
  /** Fields stored (new, or replacing an older-or-equal event time). */
  written: number
  /** Fields ignored because the store already held a newer event time. */
  skipped: number
}

/** The writes to one namespace, part of an atomic {@link OnlineStore.writeAtomic}. */
export interface OnlineBatch {
  namespace: string
  writes: readonly OnlineWrite[]
}

/** Optional abilities of an online store. */
export interface OnlineStoreCapabilities {
  /** `expiresAt` on writes is honoured. */
  ttl: boolean
}

/**
 * Low-latency key-value storage for online features: one record per
 * (namespace, entity key), holding named fields, each with its event time,
 * so that reading every feature view of an entity touches one key.
 *
 * Contract (checked by `describeOnlineStore`):
 * - `write` is atomic per field and never replaces a field with an older event time;
 *   an equal event time replaces (re-materialization is idempotent).
 * - `writeAtomic` applies several namespaces' writes as one unit, with the same per-field rule:
 *   a failure, or the writing process being killed, leaves every field as it was before the
 *   call, and no reader sees some of the batches applied and others not.
 * - `read` returns one entry per requested entity key, in request order:
 *   `undefined` when the entity has no live field, else a map of field → {value, eventTime}.
 *   When `fields` is given, only those fields are returned.
 * - A field whose `expiresAt` ≤ now reads as missing (when `capabilities.ttl`).
 * - `deleteNamespace` removes every record of the namespace and is idempotent.
 * - Namespaces and entity keys are non-empty strings; anything else is `INVALID_ARGUMENT`.
 * - The same sequence of operations gives identical reads on every implementation.
 * - Lost connections reject with `UNAVAILABLE`.
 */
export interface OnlineStore {
  readonly kind: string
  readonly capabilities: OnlineStoreCapabilities
  write(namespace: string, writes: readonly OnlineWrite[]): Promise<OnlineWriteResult>
  /** Writes every batch, all or nothing (see the contract); one result per batch, in order. */
  writeAtomic(batches: readonly OnlineBatch[]): Promise<OnlineWriteResult[]>
  read(
    namespace: string,
    entityKeys: readonly string[],
    fields?: readonly string[],
  ): Promise<(Record<string, OnlineField> | undefined)[]>
  deleteNamespace(namespace: string): Promise<void>
  close(): Promise<void>
}
