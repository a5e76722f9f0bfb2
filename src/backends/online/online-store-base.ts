import { StrataError } from '../../core/errors.js'
import type {
  OnlineBatch,
  OnlineField,
  OnlineStore,
  OnlineStoreCapabilities,
  OnlineWrite,
  OnlineWriteResult,
} from '../../ports/index.js'
import {
  assertNamespace,
  assertReadArguments,
  type PreparedOnlineWrite,
  prepareWrites,
} from './online-validation.js'

/** A read result: one entry per requested entity key, in request order. */
export type OnlineRecords = (Record<string, OnlineField> | undefined)[]

/**
 * What every {@link OnlineStore} does around its storage, written once: refuse calls after
 * `close` (`FAILED_PRECONDITION`), validate arguments before anything is touched
 * (`INVALID_ARGUMENT`, so an invalid batch writes nothing), read the clock once per call,
 * answer what needs no storage (no writes, no keys, no fields), and close once.
 * Implementations supply the storage operations, called only with valid arguments.
 */
export abstract class OnlineStoreBase implements OnlineStore {
  abstract readonly kind: string
  readonly capabilities: OnlineStoreCapabilities = { ttl: true }
  readonly #now: () => number
  #closed = false

  /** @param now The current time in epoch ms, against which `expiresAt` is judged (default `Date.now`). */
  protected constructor(now: (() => number) | undefined) {
    this.#now = now ?? Date.now
  }

  /** True once `close` was called. */
  protected get closed(): boolean {
    return this.#closed
  }

  async write(namespace: string, writes: readonly OnlineWrite[]): Promise<OnlineWriteResult> {
    this.#assertOpen()
    const prepared = prepareWrites(namespace, writes)
    if (prepared.length === 0) return { written: 0, skipped: 0 }
    return this.writeFields(namespace, prepared, this.#now())
  }

  async writeAtomic(batches: readonly OnlineBatch[]): Promise<OnlineWriteResult[]> {
    this.#assertOpen()
    if (!Array.isArray(batches)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        'online store batches must be an array of { namespace, writes }',
      )
    }
    // Every batch is validated before anything is written.
    const prepared = batches.map((b: OnlineBatch) => ({
      namespace: b.namespace,
      writes: prepareWrites(b.namespace, b.writes),
    }))
    const results: OnlineWriteResult[] = prepared.map(() => ({ written: 0, skipped: 0 }))
    const nonEmpty = prepared.flatMap((b, i) => (b.writes.length === 0 ? [] : [{ ...b, index: i }]))
    if (nonEmpty.length === 0) return results
    const stored = await this.writeFieldsAtomically(nonEmpty, this.#now())
    nonEmpty.forEach((b, j) => {
      results[b.index] = stored[j] as OnlineWriteResult
    })
    return results
  }

  async read(
    namespace: string,
    entityKeys: readonly string[],
    fields?: readonly string[],
  ): Promise<OnlineRecords> {
    this.#assertOpen()
    assertReadArguments(namespace, entityKeys, fields)
    if (entityKeys.length === 0) return []
    if (fields !== undefined && fields.length === 0) return entityKeys.map(() => undefined)
    return this.readFields(namespace, entityKeys, fields, this.#now())
  }

  async deleteNamespace(namespace: string): Promise<void> {
    this.#assertOpen()
    assertNamespace(namespace)
    await this.deleteFields(namespace)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.release()
  }

  /** Stores a validated, non-empty batch (see the port's write contract). */
  protected abstract writeFields(
    namespace: string,
    writes: readonly PreparedOnlineWrite[],
    now: number,
  ): Promise<OnlineWriteResult>

  /**
   * Stores validated, non-empty batches as one unit (see the port's `writeAtomic` contract);
   * one result per batch, in order.
   */
  protected abstract writeFieldsAtomically(
    batches: readonly { namespace: string; writes: readonly PreparedOnlineWrite[] }[],
    now: number,
  ): Promise<OnlineWriteResult[]>

  /** Reads live fields of at least one key; `fields` is `undefined` (all) or non-empty. */
  protected abstract readFields(
    namespace: string,
    entityKeys: readonly string[],
    fields: readonly string[] | undefined,
    now: number,
  ): Promise<OnlineRecords>

  /** Removes every record of a valid namespace. */
  protected abstract deleteFields(namespace: string): Promise<void>

  /** Releases the store's resources; called once, by the first `close`. */
  protected abstract release(): Promise<void>

  /** The store as messages name it, e.g. `the SQLite online store at "online.db"`. */
  protected abstract describe(): string

  #assertOpen(): void {
    if (this.#closed) {
      throw new StrataError('FAILED_PRECONDITION', `${this.describe()} is closed; open a new one`)
    }
  }
}
