import type { OnlineField, OnlineWriteResult } from '../../ports/index.js'
import { type OnlineRecords, OnlineStoreBase } from '../online/online-store-base.js'
import { isLive, type PreparedOnlineWrite, setField } from '../online/online-validation.js'

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
export class MemoryOnlineStore extends OnlineStoreBase {
  readonly kind = 'memory'
  readonly #namespaces = new Map<string, Map<string, Map<string, StoredField>>>()

  constructor(config: MemoryOnlineStoreConfig = {}) {
    super(config.now)
  }

  protected async writeFields(
    namespace: string,
    prepared: readonly PreparedOnlineWrite[],
    now: number,
  ): Promise<OnlineWriteResult> {
    return this.#store(namespace, prepared, now)
  }

  // Synchronous, so no reader runs between the batches.
  protected async writeFieldsAtomically(
    batches: readonly { namespace: string; writes: readonly PreparedOnlineWrite[] }[],
    now: number,
  ): Promise<OnlineWriteResult[]> {
    return batches.map((b) => this.#store(b.namespace, b.writes, now))
  }

  #store(namespace: string, prepared: readonly PreparedOnlineWrite[], now: number): OnlineWriteResult {
    let entities = this.#namespaces.get(namespace)
    if (entities === undefined) {
      entities = new Map()
      this.#namespaces.set(namespace, entities)
    }
    let written = 0
    for (const write of prepared) {
      let record = entities.get(write.entityKey)
      if (record === undefined) {
        record = new Map()
        entities.set(write.entityKey, record)
      }
      const old = record.get(write.field)
      // An expired field counts as absent: any event time replaces it.
      if (old !== undefined && write.eventTime < old.eventTime && isLive(old.expiresAt, now)) continue
      record.set(write.field, { json: write.json, eventTime: write.eventTime, expiresAt: write.expiresAt })
      written++
    }
    return { written, skipped: prepared.length - written }
  }

  protected async readFields(
    namespace: string,
    entityKeys: readonly string[],
    fields: readonly string[] | undefined,
    now: number,
  ): Promise<OnlineRecords> {
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

  protected async deleteFields(namespace: string): Promise<void> {
    this.#namespaces.delete(namespace)
  }

  protected async release(): Promise<void> {
    this.#namespaces.clear()
  }

  protected describe(): string {
    return 'the memory online store'
  }
}
