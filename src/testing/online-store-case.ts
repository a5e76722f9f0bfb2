import type { OnlineStore, OnlineValue, OnlineWrite } from '../ports/index.js'

/** What the cases of one {@link describeOnlineStore} run share, read inside each test. */
export interface OnlineStoreCase {
  /** Backend name, shown in every test name. */
  name: string
  /** The store of the running test (a fresh one per test). */
  store: () => OnlineStore
  /** A namespace no other test or run uses; deleted after the test. */
  ns: (label?: string) => string
  /** One write (with `expiresAt` only when given). */
  w: (
    entityKey: string,
    field: string,
    value: OnlineValue,
    eventTime: number,
    expiresAt?: number,
  ) => OnlineWrite
}

/** One online write; `expiresAt` is set only when given. */
export function onlineWrite(
  entityKey: string,
  field: string,
  value: OnlineValue,
  eventTime: number,
  expiresAt?: number,
): OnlineWrite {
  const write: OnlineWrite = { entityKey, field, value, eventTime }
  if (expiresAt !== undefined) write.expiresAt = expiresAt
  return write
}
