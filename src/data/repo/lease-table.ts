import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock.js'
import { StrataError } from '../../core/errors.js'
import type { DataTables } from './data-migrations.js'
import type { DataTrx } from './repo-db.js'

/** Timing of {@link LeaseTable}. */
export interface LeaseTableConfig {
  /** A lease not renewed for this long is dead (its holder was killed). Default 60 s. */
  ttlMs?: number
  /** How often a holder renews. Default `ttlMs / 4`. */
  heartbeatMs?: number
  /** How long to wait for the other kind of lease to go away. Default 10 min. */
  waitMs?: number
  /** Poll interval while waiting. Default 100 ms. */
  pollMs?: number
}

/** A held lease; renewed in the background until released. */
export interface Lease {
  readonly id: string
  readonly kind: 'commit' | 'gc'
  /** True once a renewal found the lease gone (a gc cleared it as stale). */
  readonly lost: boolean
  /** Renews now; false when the lease is gone. */
  renew(): Promise<boolean>
  /**
   * Deletes the lease inside `trx` (the transaction that publishes the work); false when it
   * was already gone, i.e. cleared as stale, and the work must not be published.
   */
  consume(trx: DataTrx): Promise<boolean>
  /** Stops renewing and deletes the lease if it is still there. Idempotent. */
  release(): Promise<void>
}

/**
 * Leases that keep `gc` from sweeping while commits write objects.
 *
 * Why leases rather than only a grace period on object age: a commit re-uses an object that
 * already exists (it stats before uploading), and that object may be old garbage left by a
 * killed commit; an age check alone would let gc delete it between the commit's stat and its
 * ref move. So a commit holds a `commit` lease from before its first stat to the transaction
 * that moves its ref, and gc only deletes while holding a `gc` lease that it takes when no live
 * commit lease exists. Each side inserts its own lease first and then looks for the other kind
 * (so of two racing parties at least one sees the other) and backs off when it does; commits
 * wait for a running gc, gc waits for running commits. A lease is renewed every `heartbeatMs`;
 * one not renewed for `ttlMs` belongs to a dead process and is ignored and cleared by gc, and a
 * commit whose lease was cleared that way fails at its ref move (its lease is deleted in the
 * same transaction, which must find it) instead of publishing objects gc may have removed.
 *
 * Lease times (start, expiry, staleness) are read from the service context's clock, so every
 * process sharing a metadata database must use the same kind of clock (the wall clock in a
 * project); how long to wait for the other kind is measured on the process's monotonic clock.
 */
export class LeaseTable {
  readonly ttlMs: number
  private readonly heartbeatMs: number
  private readonly waitMs: number
  private readonly pollMs: number

  constructor(
    private readonly db: Kysely<DataTables>,
    private readonly clock: Clock,
    config: LeaseTableConfig = {},
  ) {
    this.ttlMs = config.ttlMs ?? 60_000
    this.heartbeatMs = config.heartbeatMs ?? Math.max(50, Math.floor(this.ttlMs / 4))
    this.waitMs = config.waitMs ?? 10 * 60_000
    this.pollMs = config.pollMs ?? 100
  }

  /** A commit lease, once no gc is sweeping. */
  acquireCommit(): Promise<Lease> {
    return this.acquire('commit', 'gc')
  }

  /** A gc lease, once no commit is writing; stale leases of dead holders are cleared first. */
  acquireGc(): Promise<Lease> {
    return this.acquire('gc', 'commit')
  }

  /** Deletes leases whose holders stopped renewing; resolves how many. */
  async clearStale(kind?: 'commit' | 'gc'): Promise<number> {
    let q = this.db.deleteFrom('data_leases').where('expires_at', '<=', this.clock.now())
    if (kind !== undefined) q = q.where('kind', '=', kind)
    const r = await q.executeTakeFirst()
    return Number(r.numDeletedRows)
  }

  /** Leases past their expiry (left by killed processes). */
  async countStale(): Promise<number> {
    const rows = await this.db
      .selectFrom('data_leases')
      .select('id')
      .where('expires_at', '<=', this.clock.now())
      .execute()
    return rows.length
  }

  private async acquire(kind: 'commit' | 'gc', other: 'commit' | 'gc'): Promise<Lease> {
    const deadline = performance.now() + this.waitMs
    const holder = `${hostname()}:${process.pid}`
    for (;;) {
      if (kind === 'gc') await this.clearStale()
      const id = randomUUID()
      const now = this.clock.now()
      await this.db
        .insertInto('data_leases')
        .values({ id, kind, holder, started_at: now, expires_at: now + this.ttlMs })
        .execute()
      const blockers = await this.db
        .selectFrom('data_leases')
        .select(['holder', 'started_at'])
        .where('kind', '=', other)
        .where('expires_at', '>', this.clock.now())
        .execute()
      if (blockers.length === 0) return this.hold(id, kind)
      await this.db.deleteFrom('data_leases').where('id', '=', id).execute()
      if (performance.now() >= deadline) {
        throw new StrataError(
          'UNAVAILABLE',
          kind === 'commit'
            ? `a gc is removing objects (held by ${blockers[0]?.holder}); retry the commit once it finishes`
            : `${blockers.length} commit(s) are writing objects (${blockers.map((b) => b.holder).join(', ')}); retry gc once they finish`,
          { details: { waitingFor: other, holders: blockers.map((b) => b.holder) } },
        )
      }
      // Jitter so that a commit and a gc that keep seeing each other stop colliding.
      await sleep(this.pollMs * (0.5 + Math.random()))
    }
  }

  private hold(id: string, kind: 'commit' | 'gc'): Lease {
    let lost = false
    let released = false
    const renew = async (): Promise<boolean> => {
      if (released || lost) return !lost && !released
      const r = await this.db
        .updateTable('data_leases')
        .set({ expires_at: this.clock.now() + this.ttlMs })
        .where('id', '=', id)
        .executeTakeFirst()
      if (Number(r.numUpdatedRows) !== 1) lost = true
      return !lost
    }
    const timer = setInterval(() => {
      renew().catch(() => {})
    }, this.heartbeatMs)
    timer.unref()
    return {
      id,
      kind,
      get lost() {
        return lost
      },
      renew,
      consume: async (trx) => {
        const r = await trx.deleteFrom('data_leases').where('id', '=', id).executeTakeFirst()
        return Number(r.numDeletedRows) === 1
      },
      release: async () => {
        clearInterval(timer)
        if (released) return
        released = true
        await this.db.deleteFrom('data_leases').where('id', '=', id).execute()
      },
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
