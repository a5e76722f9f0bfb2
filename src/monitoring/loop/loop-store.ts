import type { Kysely } from 'kysely'
import { StrataError } from '../../core/errors.js'
import type { ServiceContext } from '../../data/index.js'
import { isUniqueViolation, writeTransaction } from '../../db/index.js'
import { newId } from '../monitors/monitor-store.js'
import type { LoopTables } from './loop-migrations.js'
import {
  type LoopEvent,
  type LoopState,
  loopEnded,
  type RetrainAction,
  type RetrainLoop,
} from './loop-types.js'
import { cooldownMs, DEFAULT_MAX_PER_DAY } from './retrain-action.js'

const DAY = 86_400_000
type Row = LoopTables['monitoring_loops']

function loopOf(r: Row): RetrainLoop {
  return {
    id: r.id,
    monitor: r.monitor,
    incidentId: r.incident_id,
    deployment: r.deployment,
    model: r.model,
    pipeline: r.pipeline,
    state: r.state as LoopState,
    runId: r.run_id,
    version: r.version === null ? null : Number(r.version),
    metrics: JSON.parse(r.metrics) as Record<string, number>,
    revision: r.revision === null ? null : Number(r.revision),
    reason: r.reason,
    action: JSON.parse(r.action) as RetrainAction,
    window: { start: r.window_start, end: r.window_end },
    events: JSON.parse(r.events) as LoopEvent[],
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
  }
}

/** What starts a loop: the incident, its monitor, the declared action and the alert's window. */
export interface LoopStart {
  monitor: string
  incidentId: string
  model: string
  action: RetrainAction
  window: { start: string; end: string }
}

/** What a state change writes besides the state. */
export type LoopPatch = Partial<Pick<RetrainLoop, 'runId' | 'version' | 'metrics' | 'revision' | 'reason'>>

/**
 * Loops in the metadata database. Every change is a compare-and-set on the loop's state and
 * `updated_at`, so of two processes advancing one loop exactly one makes each step; the guard
 * rails (one in flight per deployment, cooldown, daily budget) are decided in the transaction
 * that inserts the loop, the first by a unique key.
 */
export class LoopStore {
  private readonly db: Kysely<LoopTables>

  constructor(private readonly ctx: ServiceContext) {
    this.db = ctx.metadata.db.withTables<LoopTables>()
  }

  /**
   * The loop of `start.incidentId`: the existing one, or a new one — `retraining` when the
   * guard rails allow, else `skipped` with the reason. `created` is false when it existed.
   */
  async begin(start: LoopStart): Promise<{ loop: RetrainLoop; created: boolean }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.tryBegin(start)
      } catch (err) {
        // Another process inserted this incident's loop, or another loop on the deployment, first.
        if (!isUniqueViolation(err) || attempt >= 2) throw err
      }
    }
  }

  private tryBegin(start: LoopStart): Promise<{ loop: RetrainLoop; created: boolean }> {
    return writeTransaction(this.db, async (trx) => {
      const existing = await trx
        .selectFrom('monitoring_loops')
        .selectAll()
        .where('incident_id', '=', start.incidentId)
        .executeTakeFirst()
      if (existing !== undefined) return { loop: loopOf(existing), created: false }
      const now = this.ctx.clock.now()
      const deployment = start.action.deployment
      const skip = await this.guardRails(trx, start.action, now)
      const id = newId()
      const state: LoopState = skip === undefined ? 'retraining' : 'skipped'
      const detail =
        skip ??
        `incident ${start.incidentId} of monitor ${start.monitor}: retraining with ${start.action.pipeline}`
      const row: Row = {
        id,
        monitor: start.monitor,
        incident_id: start.incidentId,
        deployment,
        active_deployment: skip === undefined ? deployment : null,
        model: start.model,
        pipeline: start.action.pipeline,
        state,
        run_id: null,
        version: null,
        metrics: '{}',
        revision: null,
        reason: skip ?? null,
        action: JSON.stringify(start.action),
        window_start: start.window.start,
        window_end: start.window.end,
        events: JSON.stringify([{ at: now, state, detail }] satisfies LoopEvent[]),
        created_at: now,
        updated_at: now,
        ended_at: skip === undefined ? null : now,
      }
      await trx.insertInto('monitoring_loops').values(row).execute()
      return { loop: loopOf(row), created: true }
    })
  }

  /** Why a new loop on the action's deployment may not run now, or undefined when it may. */
  private async guardRails(
    trx: Kysely<LoopTables>,
    action: RetrainAction,
    now: number,
  ): Promise<string | undefined> {
    const deployment = action.deployment
    const inFlight = await trx
      .selectFrom('monitoring_loops')
      .select(['id', 'state', 'incident_id'])
      .where('active_deployment', '=', deployment)
      .executeTakeFirst()
    if (inFlight !== undefined)
      return `skipped: loop ${inFlight.id} (incident ${inFlight.incident_id}) is in flight on deployment ${deployment} (${inFlight.state})`
    const last = await trx
      .selectFrom('monitoring_loops')
      .select(['id', 'ended_at'])
      .where('deployment', '=', deployment)
      .where('state', '!=', 'skipped')
      .where('ended_at', 'is not', null)
      .orderBy('ended_at', 'desc')
      .limit(1)
      .executeTakeFirst()
    const cooldown = cooldownMs(action)
    if (last?.ended_at != null && now < Number(last.ended_at) + cooldown) {
      return `skipped: cooldown of deployment ${deployment} until ${new Date(Number(last.ended_at) + cooldown).toISOString()} (loop ${last.id} ended ${new Date(Number(last.ended_at)).toISOString()})`
    }
    const max = action.maxPerDay ?? DEFAULT_MAX_PER_DAY
    const recent = await trx
      .selectFrom('monitoring_loops')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('deployment', '=', deployment)
      .where('state', '!=', 'skipped')
      .where('created_at', '>', now - DAY)
      .executeTakeFirstOrThrow()
    if (Number(recent.n) >= max)
      return `skipped: budget of deployment ${deployment} spent (${Number(recent.n)} of ${max} retrains in the last 24 hours)`
    return undefined
  }

  /** A loop by id (`NOT_FOUND`). */
  async get(id: string): Promise<RetrainLoop> {
    const row = await this.db
      .selectFrom('monitoring_loops')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    if (row === undefined) throw new StrataError('NOT_FOUND', `retrain loop "${id}" does not exist`)
    return loopOf(row)
  }

  /** Loops, newest first: of a monitor, of a deployment, or only those in flight. */
  async list(filter: { monitor?: string; deployment?: string; inFlight?: boolean; limit?: number } = {}) {
    let q = this.db.selectFrom('monitoring_loops').selectAll()
    if (filter.monitor !== undefined) q = q.where('monitor', '=', filter.monitor)
    if (filter.deployment !== undefined) q = q.where('deployment', '=', filter.deployment)
    if (filter.inFlight === true) q = q.where('active_deployment', 'is not', null)
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(filter.limit ?? 100)
      .execute()
    return rows.map(loopOf)
  }

  /**
   * Moves `loop` to `state` with `patch` and a timeline event, if nobody moved it since it was
   * read; the moved loop, or null when another process came first. An end state frees the
   * deployment for the next loop.
   */
  async move(
    loop: RetrainLoop,
    state: LoopState,
    detail: string,
    patch: LoopPatch = {},
  ): Promise<RetrainLoop | null> {
    const now = Math.max(this.ctx.clock.now(), loop.updatedAt + 1)
    const ended = loopEnded(state)
    const event: LoopEvent = {
      at: now,
      state,
      detail,
      ...(patch.runId == null ? {} : { runId: patch.runId }),
      ...(patch.version == null ? {} : { version: patch.version }),
      ...(patch.revision == null ? {} : { revision: patch.revision }),
    }
    const next: RetrainLoop = {
      ...loop,
      ...patch,
      state,
      events: [...loop.events, event],
      updatedAt: now,
      endedAt: ended ? now : null,
    }
    const res = await writeTransaction(this.db, (trx) =>
      trx
        .updateTable('monitoring_loops')
        .set({
          state,
          run_id: next.runId,
          version: next.version,
          metrics: JSON.stringify(next.metrics),
          revision: next.revision,
          reason: next.reason,
          events: JSON.stringify(next.events),
          updated_at: now,
          ended_at: next.endedAt,
          ...(ended ? { active_deployment: null } : {}),
        })
        .where('id', '=', loop.id)
        .where('state', '=', loop.state)
        .where('updated_at', '=', loop.updatedAt)
        .executeTakeFirst(),
    )
    return Number(res.numUpdatedRows) === 1 ? next : null
  }
}
