import type { Kysely } from 'kysely'
import { writeTransaction } from '../db/index.js'
import type { PipelineTables } from './pipeline-migrations.js'
import type { PipelineRun } from './run-types.js'

/** A run's status and heartbeat as a coordinator taking it over read them. */
export type RunTakeover = Pick<PipelineRun, 'status' | 'heartbeatAt'>

/**
 * Records that the run is driven now (`running`, heartbeat now, no end), and turns its steps
 * that did not succeed back to `pending` (keeping their attempt counts): each can then start
 * and publish once in this drive, and a cancel turns them `cancelled` again.
 *
 * With `takeover` (the status and heartbeat the caller read), the run is claimed only if its row
 * still holds them, and its heartbeat moves past the one read, so of two coordinators resuming
 * the same run at once exactly one claims it. False when another coordinator claimed it first
 * (nothing is written then).
 */
export async function claimRun(
  db: Kysely<PipelineTables>,
  runId: string,
  at: number,
  takeover?: RunTakeover,
): Promise<boolean> {
  return await writeTransaction(db, async (trx) => {
    let claim = trx
      .updateTable('pipeline_runs')
      .set({
        status: 'running',
        heartbeat_at: takeover === undefined ? at : Math.max(at, (takeover.heartbeatAt ?? 0) + 1),
        ended_at: null,
        error: null,
      })
      .where('run_id', '=', runId)
    if (takeover !== undefined) {
      claim = claim.where('status', '=', takeover.status)
      claim =
        takeover.heartbeatAt === null
          ? claim.where('heartbeat_at', 'is', null)
          : claim.where('heartbeat_at', '=', takeover.heartbeatAt)
    }
    const { numUpdatedRows } = await claim.executeTakeFirstOrThrow()
    if (Number(numUpdatedRows) !== 1) return false
    await trx
      .updateTable('pipeline_step_runs')
      .set({ status: 'pending' })
      .where('run_id', '=', runId)
      .where('status', 'in', ['failed', 'skipped', 'cancelled'])
      .execute()
    return true
  })
}
