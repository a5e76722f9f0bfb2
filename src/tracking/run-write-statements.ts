/**
 * The statements of the tracking write path that are not metric values (params, tags, the run
 * name), compiled once per shape with {@link preparedQuery}: they run for every `log_param` and
 * `set_tag` call, and building them with Kysely each time cost more than SQLite running them.
 */
import { type PreparedQuery, preparedByShape, preparedQuery } from '../db/index.js'
import type { TrackingDb } from './tracking-context.js'

/** Key/value rows of one run (params or tags), sorted by key. */
export interface RunKeyValues {
  runId: string
  rows: readonly (readonly [key: string, value: string])[]
}

/** Prepared queries by row count, made on first use (not while modules load, when an import cycle may leave the db module unset). */
function byCount<A, R = unknown>(
  prepare: (count: number) => PreparedQuery<A, R>,
): (count: number) => PreparedQuery<A, R> {
  let kept: ((count: number) => PreparedQuery<A, R>) | undefined
  return (count) => {
    kept ??= preparedByShape(prepare)
    return kept(count)
  }
}

const keyValueRows = (count: number, arg: <T>(get: (a: RunKeyValues) => T) => T) =>
  Array.from({ length: count }, (_, i) => ({
    run_id: arg((a) => a.runId),
    key: arg((a) => (a.rows[i] as readonly [string, string])[0]),
    value: arg((a) => (a.rows[i] as readonly [string, string])[1]),
  }))

/** Inserts `count` params; a key the run already has is left as it is (the caller compares). */
export const insertParams = byCount((count: number) =>
  preparedQuery<RunKeyValues>((db: TrackingDb, arg) =>
    db
      .insertInto('tracking_params')
      .values(keyValueRows(count, arg))
      .onConflict((oc) => oc.columns(['run_id', 'key']).doNothing()),
  ),
)

/** The stored values of `count` params of a run (`rows` give the keys; their values are unused). */
export const storedParams = byCount((count: number) =>
  preparedQuery<RunKeyValues, { key: string; value: string }>((db: TrackingDb, arg) =>
    db
      .selectFrom('tracking_params')
      .select(['key', 'value'])
      .where(
        'run_id',
        '=',
        arg((a) => a.runId),
      )
      .where(
        'key',
        'in',
        Array.from({ length: count }, (_, i) => arg((a) => (a.rows[i] as readonly [string, string])[0])),
      ),
  ),
)

/** Sets `count` tags of a run, overwriting stored values. */
export const upsertTags = byCount((count: number) =>
  preparedQuery<RunKeyValues>((db: TrackingDb, arg) =>
    db
      .insertInto('tracking_tags')
      .values(keyValueRows(count, arg))
      .onConflict((oc) =>
        oc.columns(['run_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
      ),
  ),
)

let renameStatement: PreparedQuery<{ runId: string; name: string }, unknown> | undefined
/** Sets a run's name (made on first use, not while modules load). */
export const renameRun = () =>
  (renameStatement ??= preparedQuery<{ runId: string; name: string }>((db: TrackingDb, arg) =>
    db
      .updateTable('tracking_runs')
      .set({ run_name: arg((a) => a.name) })
      .where(
        'run_id',
        '=',
        arg((a) => a.runId),
      ),
  ))
