/**
 * A run's lifecycle: creation, status and name changes, soft deletion and restore, id prefixes,
 * and MLflow 2.x logged-model records — the writes of a run other than its logged data.
 */
import { sql } from 'kysely'
import { StrataError } from '../core/errors.js'
import { compareSql, writeTransaction } from '../db/index.js'
import {
  dbCall,
  requireActiveRunRow,
  requireExperimentRow,
  requireRunRow,
  type TrackingContext,
  toRunInfo,
} from './tracking-context.js'
import { newRunId, randomRunName } from './tracking-ids.js'
import {
  DEFAULT_EXPERIMENT_ID,
  LOGGED_MODELS_TAG,
  RUN_NAME_TAG,
  type RunInfo,
  type RunStatus,
  USER_TAG,
} from './tracking-types.js'
import {
  TRACKING_LIMITS,
  truncatedValue,
  validateKey,
  validateRunId,
  validateRunStatus,
  validateValue,
} from './tracking-validation.js'

/** Options of `RunStore.create` (MLflow `runs/create`). */
export interface CreateRunOptions {
  /** Default `"0"`. */
  experimentId?: string
  /** Default: the `mlflow.runName` tag, else a random name such as `bold-fox-417`. */
  runName?: string
  /**
   * Default: the `mlflow.user` tag, else the acting principal of the service context (so a
   * run created over the API without a user is the request's principal's, as MLflow's server
   * records the authenticated user).
   */
  userId?: string
  /** Epoch ms; default now. */
  startTime?: number
  tags?: Record<string, string>
  status?: RunStatus
}

/** Changes of `RunStore.update` (MLflow `runs/update`). */
export interface UpdateRunOptions {
  status?: RunStatus
  endTime?: number | null
  runName?: string
}

/** Creates a `RUNNING` run in an active experiment; resolves its id. */
export async function createRun(ctx: TrackingContext, options: CreateRunOptions): Promise<string> {
  const experimentId = options.experimentId ?? DEFAULT_EXPERIMENT_ID
  const tags = { ...(options.tags ?? {}) }
  for (const [k, v] of Object.entries(tags)) {
    validateKey('tag', k)
    tags[k] = truncatedValue('tag', k, v, TRACKING_LIMITS.runTagValueLength)
  }
  const tagged = tags[RUN_NAME_TAG]
  if (options.runName !== undefined && tagged !== undefined && tagged !== options.runName) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `run name "${options.runName}" differs from the ${RUN_NAME_TAG} tag "${tagged}"; give one name, or the same in both`,
    )
  }
  const runName = options.runName || tagged || randomRunName()
  validateValue('run', 'name', runName, TRACKING_LIMITS.runNameLength)
  tags[RUN_NAME_TAG] = runName
  if (options.status !== undefined) validateRunStatus(options.status)
  const runId = newRunId()
  await dbCall(`run "${runId}"`, () =>
    writeTransaction(ctx.db, async (trx) => {
      const exp = await requireExperimentRow(trx, experimentId)
      if (exp.lifecycle_stage !== 'active') {
        throw new StrataError(
          'FAILED_PRECONDITION',
          `The experiment ${experimentId} must be in the 'active' state. Current state is deleted.`,
          { details: { experimentId } },
        )
      }
      await trx
        .insertInto('tracking_runs')
        .values({
          run_id: runId,
          experiment_id: experimentId,
          run_name: runName,
          user_id: options.userId ?? tags[USER_TAG] ?? ctx.principal.id,
          status: options.status ?? 'RUNNING',
          start_time: options.startTime ?? ctx.now(),
          end_time: null,
          artifact_uri: `${exp.artifact_location.replace(/\/+$/, '')}/${runId}`,
          lifecycle_stage: 'active',
          deleted_time: null,
          deleted_with_experiment: 0,
        })
        .execute()
      await trx
        .insertInto('tracking_tags')
        .values(Object.entries(tags).map(([key, value]) => ({ run_id: runId, key, value })))
        .execute()
    }),
  )
  return runId
}

/**
 * The full id of the run whose id is `idOrPrefix` or starts with it (at least 4 characters);
 * `NOT_FOUND` when none matches, `INVALID_ARGUMENT` when several do.
 */
export async function resolveRunId(ctx: TrackingContext, idOrPrefix: string): Promise<string> {
  const prefix = idOrPrefix.trim().toLowerCase()
  if (!/^[0-9a-f]{4,32}$/.test(prefix)) {
    validateRunId(idOrPrefix)
    return idOrPrefix
  }
  const rows = await ctx.db
    .selectFrom('tracking_runs as r')
    .select('r.run_id')
    .where(compareSql(ctx.dialect, sql.ref('r.run_id'), 'LIKE', `${prefix}%`))
    .orderBy('r.run_id')
    .limit(5)
    .execute()
  const [first] = rows
  if (!first) throw new StrataError('NOT_FOUND', `no run id starts with "${idOrPrefix}"`)
  if (rows.length > 1) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `run id prefix "${idOrPrefix}" is ambiguous: it matches ${rows.map((r) => r.run_id).join(', ')}${rows.length === 5 ? ', …' : ''}; give more characters`,
    )
  }
  return first.run_id
}

/** Changes status, end time or name of an active run. */
export async function updateRun(
  ctx: TrackingContext,
  runId: string,
  changes: UpdateRunOptions,
): Promise<RunInfo> {
  if (changes.status !== undefined) validateRunStatus(changes.status)
  if (changes.runName !== undefined)
    validateValue('run', 'name', changes.runName, TRACKING_LIMITS.runNameLength)
  await dbCall(`run "${runId}"`, () =>
    writeTransaction(ctx.db, async (trx) => {
      await requireActiveRunRow(trx, runId)
      const set = {
        ...(changes.status === undefined ? {} : { status: changes.status }),
        ...(changes.endTime === undefined ? {} : { end_time: changes.endTime }),
        ...(changes.runName === undefined || changes.runName === '' ? {} : { run_name: changes.runName }),
      }
      if (Object.keys(set).length > 0) {
        await trx.updateTable('tracking_runs').set(set).where('run_id', '=', runId).execute()
      }
      if (set.run_name !== undefined) {
        await trx
          .insertInto('tracking_tags')
          .values({ run_id: runId, key: RUN_NAME_TAG, value: set.run_name })
          .onConflict((oc) => oc.columns(['run_id', 'key']).doUpdateSet({ value: set.run_name }))
          .execute()
      }
    }),
  )
  return toRunInfo(await requireRunRow(ctx.db, runId))
}

/** Soft-deletes a run (idempotent). */
export async function deleteRun(ctx: TrackingContext, runId: string): Promise<void> {
  await requireRunRow(ctx.db, runId)
  await ctx.db
    .updateTable('tracking_runs')
    .set({ lifecycle_stage: 'deleted', deleted_time: ctx.now() })
    .where('run_id', '=', runId)
    .where('lifecycle_stage', '=', 'active')
    .execute()
}

/** Restores a deleted run (idempotent). */
export async function restoreRun(ctx: TrackingContext, runId: string): Promise<void> {
  await requireRunRow(ctx.db, runId)
  await ctx.db
    .updateTable('tracking_runs')
    .set({ lifecycle_stage: 'active', deleted_time: null, deleted_with_experiment: 0 })
    .where('run_id', '=', runId)
    .execute()
}

/** MLflow 2.x `runs/log-model`: appends the model's JSON document to the `mlflow.log-model.history` tag. */
export async function recordLoggedModel(
  ctx: TrackingContext,
  runId: string,
  model: Record<string, unknown>,
): Promise<void> {
  await dbCall(`run "${runId}"`, () =>
    writeTransaction(ctx.db, async (trx) => {
      await requireActiveRunRow(trx, runId)
      const prev = await trx
        .selectFrom('tracking_tags')
        .select('value')
        .where('run_id', '=', runId)
        .where('key', '=', LOGGED_MODELS_TAG)
        .executeTakeFirst()
      const list = prev ? (JSON.parse(prev.value) as unknown[]) : []
      const value = JSON.stringify([...list, model])
      await trx
        .insertInto('tracking_tags')
        .values({ run_id: runId, key: LOGGED_MODELS_TAG, value })
        .onConflict((oc) => oc.columns(['run_id', 'key']).doUpdateSet({ value }))
        .execute()
    }),
  )
}
