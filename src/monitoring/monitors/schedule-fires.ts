import { randomBytes } from 'node:crypto'
import type { ServiceContext } from '../../data/index.js'
import { isUniqueViolation, writeTransaction } from '../../db/index.js'
import type { LoopTables } from '../loop/loop-migrations.js'

/**
 * Scheduled runs of monitors under leases, in the metadata database: one process claims each
 * cron minute of a monitor, renews its lease while it runs, and another takes the run over when
 * the lease expires unfinished (its server died).
 */
export class ScheduleFireStore implements FireLeases {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Claims one scheduled run of a monitor (`fireKey`: the cron minute) for this process under
   * a lease of `leaseMs`: its owner token for exactly one of the processes sharing the metadata
   * database, null for the others (and for a minute already claimed, even if its lease expired:
   * {@link ScheduleFireStore.takeOverFire} takes those).
   */
  async claimFire(monitorName: string, fireKey: string, leaseMs: number): Promise<string | null> {
    const db = this.ctx.metadata.db.withTables<LoopTables>()
    const owner = randomBytes(8).toString('hex')
    const now = this.ctx.clock.now()
    try {
      await writeTransaction(db, (trx) =>
        trx
          .insertInto('monitoring_schedule_fires')
          .values({
            monitor: monitorName,
            fire_key: fireKey,
            fired_at: now,
            owner,
            lease_until: now + leaseMs,
            attempts: 1,
            done_at: null,
            outcome: null,
          })
          .execute(),
      )
      return owner
    } catch (err) {
      if (isUniqueViolation(err)) return null
      throw err
    }
  }

  /** Scheduled runs whose lease expired before they ended (their server died): oldest first. */
  async expiredFires(): Promise<ScheduleFire[]> {
    const rows = await this.ctx.metadata.db
      .withTables<LoopTables>()
      .selectFrom('monitoring_schedule_fires')
      .selectAll()
      .where('done_at', 'is', null)
      .where('lease_until', '<', this.ctx.clock.now())
      .orderBy('fired_at')
      .execute()
    return rows.map(fireOf)
  }

  /**
   * Takes over a scheduled run whose lease expired unfinished (compare-and-set on its owner, so
   * one process wins): the new owner token, or null when another process took it, it ended, or
   * its lease is live. After `maxAttempts` claims the run is given up (`abandoned`) instead.
   */
  async takeOverFire(fire: ScheduleFire, leaseMs: number, maxAttempts: number): Promise<string | null> {
    const db = this.ctx.metadata.db.withTables<LoopTables>()
    const now = this.ctx.clock.now()
    const owner = randomBytes(8).toString('hex')
    const giveUp = fire.attempts >= maxAttempts
    const result = await writeTransaction(db, (trx) =>
      trx
        .updateTable('monitoring_schedule_fires')
        .set(
          giveUp
            ? { done_at: now, outcome: 'abandoned', owner: null }
            : { owner, lease_until: now + leaseMs, attempts: fire.attempts + 1 },
        )
        .where('monitor', '=', fire.monitor)
        .where('fire_key', '=', fire.fireKey)
        .where('done_at', 'is', null)
        .where('attempts', '=', fire.attempts)
        .where('lease_until', '<', now)
        .executeTakeFirst(),
    )
    return !giveUp && Number(result.numUpdatedRows) === 1 ? owner : null
  }

  /** Extends the lease of a run this process owns; false when it lost it (another took over). */
  async renewFire(monitorName: string, fireKey: string, owner: string, leaseMs: number): Promise<boolean> {
    const db = this.ctx.metadata.db.withTables<LoopTables>()
    const result = await writeTransaction(db, (trx) =>
      trx
        .updateTable('monitoring_schedule_fires')
        .set({ lease_until: this.ctx.clock.now() + leaseMs })
        .where('monitor', '=', monitorName)
        .where('fire_key', '=', fireKey)
        .where('owner', '=', owner)
        .where('done_at', 'is', null)
        .executeTakeFirst(),
    )
    return Number(result.numUpdatedRows) === 1
  }

  /** Ends a run this process owns (`ok`, or `error` when the run failed: not retried). */
  async finishFire(
    monitorName: string,
    fireKey: string,
    owner: string,
    outcome: 'ok' | 'error',
  ): Promise<void> {
    const db = this.ctx.metadata.db.withTables<LoopTables>()
    await writeTransaction(db, (trx) =>
      trx
        .updateTable('monitoring_schedule_fires')
        .set({ done_at: this.ctx.clock.now(), outcome })
        .where('monitor', '=', monitorName)
        .where('fire_key', '=', fireKey)
        .where('owner', '=', owner)
        .where('done_at', 'is', null)
        .execute(),
    )
  }

  /** One scheduled run of a monitor (for tests and `strata monitor` output). */
  async fire(monitorName: string, fireKey: string): Promise<ScheduleFire | undefined> {
    const row = await this.ctx.metadata.db
      .withTables<LoopTables>()
      .selectFrom('monitoring_schedule_fires')
      .selectAll()
      .where('monitor', '=', monitorName)
      .where('fire_key', '=', fireKey)
      .executeTakeFirst()
    return row === undefined ? undefined : fireOf(row)
  }

  /** The latest scheduled runs of a monitor, newest minute first. */
  async fires(monitorName: string, limit = 100): Promise<ScheduleFire[]> {
    const rows = await this.ctx.metadata.db
      .withTables<LoopTables>()
      .selectFrom('monitoring_schedule_fires')
      .selectAll()
      .where('monitor', '=', monitorName)
      .orderBy('fire_key', 'desc')
      .limit(limit)
      .execute()
    return rows.map(fireOf)
  }
}

/** The lease operations on scheduled monitor runs (implemented by {@link ScheduleFireStore}). */
export interface FireLeases {
  claimFire(monitorName: string, fireKey: string, leaseMs: number): Promise<string | null>
  expiredFires(): Promise<ScheduleFire[]>
  takeOverFire(fire: ScheduleFire, leaseMs: number, maxAttempts: number): Promise<string | null>
  renewFire(monitorName: string, fireKey: string, owner: string, leaseMs: number): Promise<boolean>
  finishFire(monitorName: string, fireKey: string, owner: string, outcome: 'ok' | 'error'): Promise<void>
  fire(monitorName: string, fireKey: string): Promise<ScheduleFire | undefined>
  fires(monitorName: string, limit?: number): Promise<ScheduleFire[]>
}

/** A scheduled run of a monitor: its cron minute, who holds it until when, and how it ended. */
export interface ScheduleFire {
  monitor: string
  /** The cron minute (ISO). */
  fireKey: string
  firedAt: number
  owner: string | null
  leaseUntil: number | null
  /** How many times it was claimed (1, plus one per takeover after a crash). */
  attempts: number
  doneAt: number | null
  outcome: 'ok' | 'error' | 'abandoned' | null
}

function fireOf(row: LoopTables['monitoring_schedule_fires']): ScheduleFire {
  return {
    monitor: row.monitor,
    fireKey: row.fire_key,
    firedAt: Number(row.fired_at),
    owner: row.owner,
    leaseUntil: row.lease_until === null ? null : Number(row.lease_until),
    attempts: Number(row.attempts),
    doneAt: row.done_at === null ? null : Number(row.done_at),
    outcome: row.outcome as ScheduleFire['outcome'],
  }
}
