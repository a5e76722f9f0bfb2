import { StrataError } from '../../core/errors.js'
import type {
  OnlineField,
  OnlineStore,
  OnlineStoreCapabilities,
  OnlineWrite,
  OnlineWriteResult,
} from '../../ports/index.js'
import {
  assertNamespace,
  assertReadArguments,
  isLive,
  prepareWrites,
  setField,
} from '../online/online-validation.js'

/** Options of {@link MemoryOnlineStore}. */
export interface MemoryOnlineStoreConfig {
  /** The current time in epoch ms, against which `expiresAt` is judged. Default `Date.now`; tests pass a fake clock. */
  now?: () => number
}

interface StoredField {
  /** The value as JSON text, so callers never share objects with the store. */
  json: string
  eventTime: number
  expiresAt: number | undefined
}

/**
 * An {@link OnlineStore} held in process memory: tests, demos and `memory:` projects.
 * A real implementation that passes `describeOnlineStore`; values are kept as JSON text,
 * so reads return fresh objects and the same JSON semantics as the durable stores.
 *
 * @example
 * const online = new MemoryOnlineStore()
 * await online.write('flights', [{ entityKey: 'SFO', field: 'delays', value: { avg: 7 }, eventTime: Date.now() }])
 */
export class MemoryOnlineStore implements OnlineStore {
  readonly kind = 'memory'
  readonly capabilities: OnlineStoreCapabilities = { ttl: true }
  readonly #namespaces = new Map<string, Map<string, Map<string, StoredField>>>()
  readonly #now: () => number
  #closed = false

  constructor(config: MemoryOnlineStoreConfig = {}) {
    this.#now = config.now ?? Date.now
  }

  async write(namespace: string, writes: readonly OnlineWrite[]): Promise<OnlineWriteResult> {
    this.#assertOpen()
    const prepared = prepareWrites(namespace, writes)
    const now = this.#now()
    let entities = this.#namespaces.get(namespace)
    if (entities === undefined && prepared.length > 0) {
      entities = new Map()
      this.#namespaces.set(namespace, entities)
    }
    let written = 0
    for (const write of prepared) {
      let record = entities!.get(write.entityKey)
      if (record === undefined) {
        record = new Map()
        entities!.set(write.entityKey, record)
      }
      const old = record.get(write.field)
      // An expired field counts as absent: any event time replaces it.
      if (old !== undefined && write.eventTime < old.eventTime && isLive(old.expiresAt, now)) continue
      record.set(write.field, { json: write.json, eventTime: write.eventTime, expiresAt: write.expiresAt })
      written++
    }
    return { written, skipped: prepared.length - written }
  }

  async read(
    namespace: string,
    entityKeys: readonly string[],
    fields?: readonly string[],
  ): Promise<(Record<string, OnlineField> | undefined)[]> {
    this.#assertOpen()
    assertReadArguments(namespace, entityKeys, fields)
    const now = this.#now()
    const entities = this.#namespaces.get(namespace)
    return entityKeys.map((entityKey) => {
      const record = entities?.get(entityKey)
      if (record === undefined) return undefined
      const result: Record<string, OnlineField> = {}
      let found = false
      const names = fields ?? [...record.keys()]
      for (const name of names) {
        const stored = record.get(name)
        if (stored === undefined) continue
        if (!isLive(stored.expiresAt, now)) {
          record.delete(name)
          continue
        }
        setField(result, name, { value: JSON.parse(stored.json), eventTime: stored.eventTime })
        found = true
      }
      if (record.size === 0) entities!.delete(entityKey)
      return found ? result : undefined
    })
  }

  async deleteNamespace(namespace: string): Promise<void> {
    this.#assertOpen()
    assertNamespace(namespace)
    this.#namespaces.delete(namespace)
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#namespaces.clear()
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new StrataError('FAILED_PRECONDITION', 'the memory online store is closed; open a new one')
    }
  }
}
