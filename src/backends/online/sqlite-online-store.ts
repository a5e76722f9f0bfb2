import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { errorMessage, StrataError } from '../../core/errors.js'
import type { OnlineWriteResult } from '../../ports/index.js'
import { type OnlineRecords, OnlineStoreBase } from './online-store-base.js'
import { type PreparedOnlineWrite, setField } from './online-validation.js'

/** Options of {@link SqliteOnlineStore}. */
export interface SqliteOnlineStoreConfig {
  /** Database file; its parent directory is created. `':memory:'` for a private in-memory store. */
  path: string
  /** The current time in epoch ms, against which `expiresAt` is judged. Default `Date.now`; tests pass a fake clock. */
  now?: () => number
}

/** How often, at most, a write also deletes every expired row of the database. */
const PURGE_INTERVAL_MS = 60_000

const SCHEMA = `
CREATE TABLE IF NOT EXISTS online_fields (
  namespace  TEXT NOT NULL,
  entity_key TEXT NOT NULL,
  field      TEXT NOT NULL,
  value      TEXT NOT NULL,
  event_time NUMERIC NOT NULL,
  expires_at NUMERIC,
  PRIMARY KEY (namespace, entity_key, field)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS online_fields_expires_at ON online_fields (expires_at) WHERE expires_at IS NOT NULL;
`

// An expired row counts as absent, so any event time replaces it.
const UPSERT = `
INSERT INTO online_fields (namespace, entity_key, field, value, event_time, expires_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (namespace, entity_key, field) DO UPDATE
SET value = excluded.value, event_time = excluded.event_time, expires_at = excluded.expires_at
WHERE excluded.event_time >= online_fields.event_time
   OR (online_fields.expires_at IS NOT NULL AND online_fields.expires_at <= ?)`

// Reading an entity is one primary-key range seek.
const SELECT_ENTITY = `
SELECT field, value, event_time FROM online_fields
WHERE namespace = ? AND entity_key = ? AND (expires_at IS NULL OR expires_at > ?)`

// A batch is one statement: one range seek per element of the JSON array of keys. CROSS JOIN
// pins json_each as the outer loop; without it SQLite scans the whole namespace. Measured on
// 100k entities × 3 fields: 100 keys ≈ 0.45–0.8 ms here vs 0.9–1.7 ms for 100 single-key
// statements; for one key the single-key statement is as fast or faster.
const SELECT_BATCH = `
SELECT j.key, f.field, f.value, f.event_time
FROM json_each(?) AS j CROSS JOIN online_fields AS f
ON f.namespace = ? AND f.entity_key = j.value
WHERE f.expires_at IS NULL OR f.expires_at > ?`

type Row = [field: string, value: string, eventTime: number]
type BatchRow = [index: number, field: string, value: string, eventTime: number]

/**
 * An {@link OnlineStore} in one SQLite file (WAL, `synchronous=NORMAL`): the default for
 * a single machine. Each field is one row of a `WITHOUT ROWID` table keyed by
 * (namespace, entity key, field), so reading an entity is one index range seek.
 * Conditional writes are one `INSERT … ON CONFLICT DO UPDATE … WHERE` per field, all in
 * one transaction; expired rows are filtered at read time and purged at most once a minute.
 *
 * @example
 * const online = new SqliteOnlineStore({ path: '.strata/online.db' })
 * await online.write('flights', [{ entityKey: 'SFO', field: 'delays', value: { avg: 7 }, eventTime: Date.now() }])
 * const [sfo] = await online.read('flights', ['SFO'])
 */
export class SqliteOnlineStore extends OnlineStoreBase {
  readonly kind = 'sqlite'
  readonly #path: string
  readonly #db: Database.Database
  readonly #upsert: Database.Statement<unknown[]>
  readonly #selectEntity: Database.Statement<unknown[], Row>
  readonly #selectBatch: Database.Statement<unknown[], BatchRow>
  readonly #deleteNamespace: Database.Statement<unknown[]>
  readonly #purge: Database.Statement<unknown[]>
  readonly #writeBatch: (
    namespace: string,
    writes: readonly PreparedOnlineWrite[],
    now: number,
  ) => OnlineWriteResult
  readonly #writeBatches: (
    batches: readonly { namespace: string; writes: readonly PreparedOnlineWrite[] }[],
    now: number,
  ) => OnlineWriteResult[]
  #lastPurge = 0

  constructor(config: SqliteOnlineStoreConfig) {
    super(config.now)
    this.#path = config.path
    try {
      if (config.path !== ':memory:' && config.path !== '')
        mkdirSync(dirname(config.path), { recursive: true })
      this.#db = new Database(config.path)
      this.#db.pragma('journal_mode = WAL')
      this.#db.pragma('synchronous = NORMAL')
      this.#db.pragma('busy_timeout = 5000')
      this.#db.exec(SCHEMA)
    } catch (err) {
      throw this.#translate(err, 'open')
    }
    this.#upsert = this.#db.prepare(UPSERT)
    this.#selectEntity = this.#db.prepare<unknown[], Row>(SELECT_ENTITY).raw(true)
    this.#selectBatch = this.#db.prepare<unknown[], BatchRow>(SELECT_BATCH).raw(true)
    this.#deleteNamespace = this.#db.prepare('DELETE FROM online_fields WHERE namespace = ?')
    this.#purge = this.#db.prepare(
      'DELETE FROM online_fields WHERE expires_at IS NOT NULL AND expires_at <= ?',
    )
    this.#writeBatch = this.#db.transaction((namespace, writes, now) => {
      let written = 0
      for (const w of writes) {
        const info = this.#upsert.run(
          namespace,
          w.entityKey,
          w.field,
          w.json,
          w.eventTime,
          w.expiresAt ?? null,
          now,
        )
        written += info.changes
      }
      if (now - this.#lastPurge >= PURGE_INTERVAL_MS) {
        this.#purge.run(now)
        this.#lastPurge = now
      }
      return { written, skipped: writes.length - written }
    })
    // Nested transactions of better-sqlite3 are savepoints: the outer one commits all batches.
    this.#writeBatches = this.#db.transaction((batches, now) =>
      batches.map((b: { namespace: string; writes: readonly PreparedOnlineWrite[] }) =>
        this.#writeBatch(b.namespace, b.writes, now),
      ),
    )
  }

  protected async writeFieldsAtomically(
    batches: readonly { namespace: string; writes: readonly PreparedOnlineWrite[] }[],
    now: number,
  ): Promise<OnlineWriteResult[]> {
    try {
      return this.#writeBatches(batches, now)
    } catch (err) {
      throw this.#translate(err, 'write')
    }
  }

  protected async writeFields(
    namespace: string,
    writes: readonly PreparedOnlineWrite[],
    now: number,
  ): Promise<OnlineWriteResult> {
    try {
      return this.#writeBatch(namespace, writes, now)
    } catch (err) {
      throw this.#translate(err, 'write')
    }
  }

  protected async readFields(
    namespace: string,
    entityKeys: readonly string[],
    fields: readonly string[] | undefined,
    now: number,
  ): Promise<OnlineRecords> {
    const wanted = fields === undefined ? undefined : new Set(fields)
    const results: OnlineRecords = new Array(entityKeys.length).fill(undefined)
    const add = (index: number, field: string, value: string, eventTime: number): void => {
      if (wanted !== undefined && !wanted.has(field)) return
      let record = results[index]
      if (record === undefined) {
        record = {}
        results[index] = record
      }
      setField(record, field, { value: JSON.parse(value), eventTime })
    }
    try {
      if (entityKeys.length === 1) {
        for (const [field, value, eventTime] of this.#selectEntity.all(namespace, entityKeys[0], now)) {
          add(0, field, value, eventTime)
        }
      } else {
        for (const [index, field, value, eventTime] of this.#selectBatch.all(
          JSON.stringify(entityKeys),
          namespace,
          now,
        )) {
          add(index, field, value, eventTime)
        }
      }
      return results
    } catch (err) {
      throw this.#translate(err, 'read')
    }
  }

  protected async deleteFields(namespace: string): Promise<void> {
    try {
      this.#deleteNamespace.run(namespace)
    } catch (err) {
      throw this.#translate(err, 'deleteNamespace')
    }
  }

  protected async release(): Promise<void> {
    this.#db.close()
  }

  protected describe(): string {
    return `the SQLite online store at "${this.#path}"`
  }

  #translate(err: unknown, operation: string): StrataError {
    const raw = (err as { code?: unknown }).code
    const code = typeof raw === 'string' ? raw : undefined
    // Locks, I/O and a full or unreachable disk can pass; anything else is a bug or a corrupt file.
    const transient =
      code !== undefined &&
      /^(SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY)|EACCES|EROFS|ENOSPC)/.test(code)
    return new StrataError(
      transient ? 'UNAVAILABLE' : 'INTERNAL',
      `SQLite online store at "${this.#path}" failed to ${operation}: ${errorMessage(err)}`,
      { cause: err, details: { path: this.#path, sqliteCode: code } },
    )
  }
}
