import type { Kysely, Selectable } from 'kysely'
import { StrataError } from '../core/errors.js'
import type { Principal } from '../core/principal.js'
import type { LineageGraphStore } from '../data/lineage/index.js'
import { type MetadataDialect, type PreparedQuery, preparedQuery, translateDbError } from '../db/index.js'
import type { BlobStore } from '../ports/index.js'
import type { TrackingTables } from './tracking-migrations.js'
import type { Experiment, LifecycleStage, RunInfo, RunStatus } from './tracking-types.js'
import { validateExperimentId, validateRunId } from './tracking-validation.js'

/** What the tracking stores share: the database, blobs, lineage, the acting principal and a clock. */
export interface TrackingContext {
  readonly db: Kysely<TrackingTables>
  readonly dialect: MetadataDialect
  readonly blobs: BlobStore
  readonly lineage: LineageGraphStore
  /** The user of a run created without one. */
  readonly principal: Principal
  /** Epoch milliseconds. */
  now(): number
}

/** A database handle or an open transaction on it. */
export type TrackingDb = Kysely<TrackingTables>

/** Runs `fn`, translating driver errors (unique violation → ALREADY_EXISTS naming `what`, lost connection → UNAVAILABLE). */
export async function dbCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw translateDbError(err, what)
  }
}

/** Splits rows into chunks so `in (…)` lists stay well under both dialects' parameter limits. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Groups items by a key, keeping their order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = out.get(k)
    if (list) list.push(item)
    else out.set(k, [item])
  }
  return out
}

type RunRow = Selectable<TrackingTables['tracking_runs']>

let runRowStatement: PreparedQuery<string, RunRow> | undefined
/**
 * The run row by id, compiled once: every write of a run (one per log_metric call) reads it,
 * and building the query each time cost more than SQLite's lookup (made on first use, not
 * while modules load).
 */
const runRowQuery = () =>
  (runRowStatement ??= preparedQuery<string, RunRow>((db: TrackingDb, arg) =>
    db
      .selectFrom('tracking_runs')
      .selectAll()
      .where(
        'run_id',
        '=',
        arg((runId) => runId),
      ),
  ))

/** The row of a run, or `NOT_FOUND`. */
export async function requireRunRow(
  db: TrackingDb,
  runId: string,
): Promise<Selectable<TrackingTables['tracking_runs']>> {
  validateRunId(runId)
  const { rows } = await runRowQuery().execute(db, runId)
  const row = rows[0]
  if (!row) {
    throw new StrataError('NOT_FOUND', `run "${runId}" does not exist`, { details: { entity: 'run', runId } })
  }
  return row
}

/** The row of a run that is not deleted; a deleted run fails with `FAILED_PRECONDITION`. */
export async function requireActiveRunRow(
  db: TrackingDb,
  runId: string,
): Promise<Selectable<TrackingTables['tracking_runs']>> {
  const row = await requireRunRow(db, runId)
  if (row.lifecycle_stage !== 'active') {
    throw new StrataError(
      'FAILED_PRECONDITION',
      // MLflow's wording (clients and users match on it).
      `The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      { details: { runId, lifecycleStage: row.lifecycle_stage } },
    )
  }
  return row
}

/** The row of an experiment, or `NOT_FOUND`. */
export async function requireExperimentRow(
  db: TrackingDb,
  experimentId: string,
): Promise<Selectable<TrackingTables['tracking_experiments']>> {
  validateExperimentId(experimentId)
  const row = await db
    .selectFrom('tracking_experiments')
    .selectAll()
    .where('experiment_id', '=', experimentId)
    .executeTakeFirst()
  if (!row) {
    throw new StrataError('NOT_FOUND', `experiment "${experimentId}" does not exist`, {
      details: { entity: 'experiment', experimentId },
    })
  }
  return row
}

/** A run row as the public {@link RunInfo}. */
export function toRunInfo(row: Selectable<TrackingTables['tracking_runs']>): RunInfo {
  return {
    runId: row.run_id,
    runName: row.run_name,
    experimentId: row.experiment_id,
    userId: row.user_id,
    status: row.status as RunStatus,
    startTime: Number(row.start_time),
    endTime: row.end_time === null ? null : Number(row.end_time),
    artifactUri: row.artifact_uri,
    lifecycleStage: row.lifecycle_stage as LifecycleStage,
  }
}

/** An experiment row and its tags as the public {@link Experiment}. */
export function toExperiment(
  row: Selectable<TrackingTables['tracking_experiments']>,
  tags: { key: string; value: string }[],
): Experiment {
  return {
    experimentId: row.experiment_id,
    name: row.name,
    artifactLocation: row.artifact_location,
    lifecycleStage: row.lifecycle_stage as LifecycleStage,
    creationTime: Number(row.creation_time),
    lastUpdateTime: Number(row.last_update_time),
    tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
  }
}

/** A metric value as stored: NaN becomes 0 with `is_nan = 1` (SQLite stores NaN as NULL). */
export function storedValue(value: number): { value: number; is_nan: number } {
  return Number.isNaN(value) ? { value: 0, is_nan: 1 } : { value, is_nan: 0 }
}

/** The inverse of {@link storedValue}. */
export function loadedValue(row: { value: number; is_nan: number }): number {
  return Number(row.is_nan) === 1 ? Number.NaN : Number(row.value)
}
