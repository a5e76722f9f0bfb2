import { CompiledQuery } from 'kysely'
import { namedOnPostgres } from '../db/index.js'
import { bucketRows, pgBucketParameters, pgBucketUpsertText } from './metric-buckets.js'
import { ACTIVE_RUN, type MetricValueRow, parameters, pgMetricWriteText } from './metric-writes.js'
import type { TrackingDb } from './tracking-context.js'

// Parameters: $1–$7 the history rows and run id, $8–$14 the latest rows and run id, $15–$24 the
// bucket rows, $25 the run id. One text for every batch size (arrays), planned once per connection.
const WRITE_METRICS = namedOnPostgres(
  `with history as (${pgMetricWriteText('history', 1)} returning 1), ` +
    `buckets as (${pgBucketUpsertText(15, ACTIVE_RUN('$25'))}), ` +
    `latest as (${pgMetricWriteText('latest', 8)}) ` +
    'select count(*)::int as inserted from history',
)

/**
 * Postgres: writes a batch of metric values of run `runId` — the history insert, the summary
 * buckets and the latest values — as ONE named statement (data-modifying CTEs, run in
 * autocommit): one round trip to the database instead of five (begin, three writes, commit), and
 * no planning per call. The result is the transaction path's: every write is gated on the run
 * being active, all of it commits or none does, exact duplicates are ignored. `latest` holds at
 * most one row per key, sorted by key (rows lock in one order, as in the transaction path).
 * Resolves the number of history rows inserted: fewer than given means duplicates or a run that
 * is not active — the caller then checks the run for the error (nothing was written when the
 * run is not active).
 */
export async function writeMetricsInOneStatement(
  db: TrackingDb,
  runId: string,
  rows: readonly MetricValueRow[],
  latest: readonly MetricValueRow[],
): Promise<number> {
  const params = [
    ...parameters('postgres', rows),
    runId,
    ...parameters('postgres', latest),
    runId,
    ...pgBucketParameters(bucketRows(rows)),
    runId,
  ]
  const res = await db.executeQuery<{ inserted: number }>(CompiledQuery.raw(WRITE_METRICS, params))
  return res.rows[0]?.inserted ?? 0
}
