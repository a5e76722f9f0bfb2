import type { Kysely } from 'kysely'
import { StrataError } from '../core/errors.js'
import type { MetadataDatabase } from '../db/index.js'
import { isUniqueViolation, writeTransaction } from '../db/index.js'
import type { PipelineTables } from './pipeline-migrations.js'
import { claimRun, type RunTakeover } from './run-claim.js'
import {
  num,
  type PipelineRun,
  type PipelineRunStatus,
  type StepRun,
  type StepRunStatus,
  toRun,
} from './run-types.js'
import { type Success, stepStatements } from './step-statements.js'

export type { PipelineRun, PipelineRunStatus, StepRun, StepRunStatus } from './run-types.js'

type Db = Kysely<PipelineTables>

/** The rows of runs and step runs; every write goes through `writeTransaction`. */
export class RunStore {
  readonly db: Db
  constructor(metadata: MetadataDatabase) {
    this.db = metadata.db.withTables<PipelineTables>()
  }

  /**
   * Inserts a run and its steps (all `pending`) in one transaction. With `fire`, the trigger
   * firing is claimed in the same transaction: when another scheduler already claimed it,
   * nothing is written and the result is false.
   */
  async create(
    run: PipelineRun,
    steps: readonly string[],
    fire?: { triggerId: string; fireKey: string },
  ): Promise<boolean> {
    try {
      await this.insertRun(run, steps, fire)
      return true
    } catch (err) {
      if (fire !== undefined && isUniqueViolation(err)) return false
      throw err
    }
  }

  private async insertRun(
    run: PipelineRun,
    steps: readonly string[],
    fire?: { triggerId: string; fireKey: string },
  ) {
    await writeTransaction(this.db, async (trx) => {
      if (fire !== undefined) {
        await trx
          .insertInto('pipeline_trigger_fires')
          .values({
            pipeline: run.pipeline,
            trigger_id: fire.triggerId,
            fire_key: fire.fireKey,
            run_id: run.runId,
            fired_at: run.createdAt,
          })
          .execute()
      }
      await trx
        .insertInto('pipeline_runs')
        .values({
          run_id: run.runId,
          pipeline: run.pipeline,
          status: run.status,
          params: JSON.stringify(run.params),
          resolved: JSON.stringify(run.resolved),
          no_cache: run.noCache ? 1 : 0,
          user_id: run.userId,
          created_at: run.createdAt,
          started_at: run.startedAt,
          ended_at: null,
          heartbeat_at: run.heartbeatAt,
          error: null,
          run_name: run.name,
        })
        .execute()
      for (const [key, value] of Object.entries(run.tags)) {
        await trx.insertInto('pipeline_run_tags').values({ run_id: run.runId, key, value }).execute()
      }
      for (const name of steps) {
        await trx
          .insertInto('pipeline_step_runs')
          .values({
            run_id: run.runId,
            step: name,
            status: 'pending',
            attempt: 0,
            cache_key: null,
            output_hash: null,
            cached: 0,
            started_at: null,
            ended_at: null,
            error: null,
            output_commit: null,
          })
          .execute()
      }
    })
  }

  /** A run, or `NOT_FOUND` naming it. */
  async run(runId: string): Promise<PipelineRun> {
    const row = await this.db
      .selectFrom('pipeline_runs')
      .selectAll()
      .where('run_id', '=', runId)
      .executeTakeFirst()
    if (row === undefined) {
      throw new StrataError(
        'NOT_FOUND',
        `pipeline run "${runId}" does not exist; list runs with "strata pipelines runs"`,
      )
    }
    return (await this.withTags([row]))[0] as PipelineRun
  }

  /** Rows as runs, with their tags (one query for all). */
  async withTags(rows: readonly PipelineTables['pipeline_runs'][]): Promise<PipelineRun[]> {
    if (rows.length === 0) return []
    const tags = await this.db
      .selectFrom('pipeline_run_tags')
      .selectAll()
      .where(
        'run_id',
        'in',
        rows.map((r) => r.run_id),
      )
      .execute()
    const byRun = new Map<string, Record<string, string>>()
    for (const t of tags) {
      const m = byRun.get(t.run_id) ?? {}
      m[t.key] = t.value
      byRun.set(t.run_id, m)
    }
    return rows.map((r) => toRun(r, byRun.get(r.run_id) ?? {}))
  }

  /** Runs, newest first, optionally of one pipeline. */
  async runs(options: { pipeline?: string; limit?: number } = {}): Promise<PipelineRun[]> {
    let q = this.db.selectFrom('pipeline_runs').selectAll()
    if (options.pipeline !== undefined) q = q.where('pipeline', '=', options.pipeline)
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('run_id', 'desc')
      .limit(options.limit ?? 100)
      .execute()
    return this.withTags(rows)
  }

  /** The steps of a run. */
  async steps(runId: string): Promise<StepRun[]> {
    const rows = await this.db
      .selectFrom('pipeline_step_runs')
      .selectAll()
      .where('run_id', '=', runId)
      .execute()
    return rows.map((r) => ({
      runId: r.run_id,
      step: r.step,
      status: r.status as StepRunStatus,
      attempt: Number(r.attempt),
      cacheKey: r.cache_key,
      outputHash: r.output_hash,
      cached: Number(r.cached) === 1,
      startedAt: num(r.started_at),
      endedAt: num(r.ended_at),
      error: r.error,
      outputCommit: r.output_commit ?? null,
    }))
  }

  /** Claims the run for this coordinator (see {@link claimRun}); false when another one has it. */
  markRunning(runId: string, at: number, takeover?: RunTakeover): Promise<boolean> {
    return claimRun(this.db, runId, at, takeover)
  }

  /** The coordinator's sign of life. */
  async heartbeat(runId: string, at: number): Promise<void> {
    await writeTransaction(this.db, (trx) =>
      trx.updateTable('pipeline_runs').set({ heartbeat_at: at }).where('run_id', '=', runId).execute(),
    )
  }

  /** Ends a run that is `running` (a run cancelled meanwhile stays `cancelled`). */
  async finishRun(runId: string, status: PipelineRunStatus, at: number, error: string | null): Promise<void> {
    await writeTransaction(this.db, (trx) =>
      trx
        .updateTable('pipeline_runs')
        .set({ status, ended_at: at, error })
        .where('run_id', '=', runId)
        .where('status', '=', 'running')
        .execute(),
    )
  }

  /**
   * Cancels a `running` run in one transaction: the run turns `cancelled`, and so do its steps
   * that are `pending` or `running` (a step attempt ending later cannot publish: publishing needs
   * `running`). Returns false when the run was not running.
   */
  async cancelRun(runId: string, at: number, error: string): Promise<boolean> {
    return writeTransaction(this.db, async (trx) => {
      const updated = await trx
        .updateTable('pipeline_runs')
        .set({ status: 'cancelled', ended_at: at, error })
        .where('run_id', '=', runId)
        .where('status', '=', 'running')
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) !== 1) return false
      await trx
        .updateTable('pipeline_step_runs')
        .set({ status: 'cancelled', ended_at: at, error })
        .where('run_id', '=', runId)
        .where('status', 'in', ['pending', 'running'])
        .execute()
      await trx
        .updateTable('pipeline_map_elements')
        .set({ status: 'cancelled', ended_at: at, error })
        .where('run_id', '=', runId)
        .where('status', 'in', ['pending', 'running'])
        .execute()
      return true
    })
  }

  /** Records the dataset commit a mapped step's outputs were written as. */
  async setOutputCommit(runId: string, step: string, commit: string): Promise<void> {
    await writeTransaction(this.db, (trx) =>
      trx
        .updateTable('pipeline_step_runs')
        .set({ output_commit: commit })
        .where('run_id', '=', runId)
        .where('step', '=', step)
        .execute(),
    )
  }

  /**
   * Starts attempt `attempt` of a step (its cache key known): a `pending` or `running` step turns
   * `running` (a step cancelled meanwhile stays `cancelled`).
   */
  async startStep(runId: string, step: string, attempt: number, cacheKey: string, at: number): Promise<void> {
    await writeTransaction(this.db, (trx) =>
      trx
        .updateTable('pipeline_step_runs')
        .set({ status: 'running', attempt, cache_key: cacheKey, started_at: at, ended_at: null, error: null })
        .where('run_id', '=', runId)
        .where('step', '=', step)
        .where('status', 'in', ['pending', 'running'])
        .execute(),
    )
  }

  /**
   * Publishes a step's output once: the step row turns `succeeded` only from `pending` or
   * `running`, and only when no later attempt was started (one whose start was not recorded
   * publishes from `pending`), and the cache entry is inserted unless the key already has one; `within` writes
   * the rest of the publication (the inline output, lineage) in the same transaction. Returns
   * false when another attempt already published (the output is then not recorded twice).
   */
  async succeedStep(
    s: Success,
    cache: PipelineTables['pipeline_cache'] | undefined,
    within?: (trx: Db) => Promise<void>,
  ): Promise<boolean> {
    return writeTransaction(this.db, async (trx) => {
      const updated = await (s.started === undefined
        ? stepStatements().succeed
        : stepStatements().succeedStarted
      ).execute(trx, s)
      if (Number(updated.numAffectedRows) !== 1) return false
      if (cache !== undefined) await stepStatements().insertCache.execute(trx, cache)
      await within?.(trx)
      return true
    })
  }

  /** Records a cache hit: the step is `succeeded` without running, with the cached output (and `within`, e.g. its lineage). */
  async cacheHit(
    runId: string,
    step: string,
    cacheKey: string,
    outputHash: string,
    at: number,
    within?: (trx: Db) => Promise<void>,
  ): Promise<void> {
    await writeTransaction(this.db, async (trx) => {
      await stepStatements().cacheHit.execute(trx, { runId, step, cacheKey, outputHash, at })
      await within?.(trx)
    })
  }

  /** Ends a step as `failed` or `skipped` (its inputs failed); `started`: its last attempt, when its start was not recorded. */
  async endStep(
    runId: string,
    step: string,
    status: 'failed' | 'skipped' | 'pending' | 'cancelled',
    at: number,
    error: string | null,
    started?: { attempt: number; at: number; cacheKey: string },
  ) {
    await writeTransaction(this.db, (trx) =>
      trx
        .updateTable('pipeline_step_runs')
        .set({
          status,
          ended_at: status === 'pending' ? null : at,
          error,
          ...(started === undefined
            ? {}
            : { attempt: started.attempt, started_at: started.at, cache_key: started.cacheKey }),
        })
        .where('run_id', '=', runId)
        .where('step', '=', step)
        .execute(),
    )
  }

  /** The run id of one firing (`fireKey`) of a trigger, if it fired. */
  async firing(pipeline: string, triggerId: string, fireKey: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('pipeline_trigger_fires')
      .select('run_id')
      .where('pipeline', '=', pipeline)
      .where('trigger_id', '=', triggerId)
      .where('fire_key', '=', fireKey)
      .executeTakeFirst()
    return row?.run_id
  }

  /** The latest firing of a trigger, if any. */
  async lastFire(
    pipeline: string,
    triggerId: string,
  ): Promise<PipelineTables['pipeline_trigger_fires'] | undefined> {
    const row = await this.db
      .selectFrom('pipeline_trigger_fires')
      .selectAll()
      .where('pipeline', '=', pipeline)
      .where('trigger_id', '=', triggerId)
      .orderBy('fired_at', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row === undefined ? undefined : { ...row, fired_at: Number(row.fired_at) }
  }

  /** The cache entry of a key, if any. */
  async cached(cacheKey: string): Promise<PipelineTables['pipeline_cache'] | undefined> {
    return (await stepStatements().cached.execute(this.db, cacheKey)).rows[0]
  }

  /** The newest cache entry of a step, to say which part of its key changed. */
  async latestCached(pipeline: string, step: string): Promise<PipelineTables['pipeline_cache'] | undefined> {
    return this.db
      .selectFrom('pipeline_cache')
      .selectAll()
      .where('pipeline', '=', pipeline)
      .where('step', '=', step)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst()
  }
}
