import type { Kysely } from 'kysely'
import type { OnlineStore, OnlineWrite, Row } from '../../ports/index.js'
import type { FeatureTables, FeatureView } from '../definitions/index.js'
import { isInvalid, normalizeKey, toStoredValue, typeViolation } from '../definitions/index.js'
import { layoutEntityKey, type OnlineLayout } from './online-layout.js'

/** Options of `FeatureStore.materialize`. */
export interface MaterializeOptions {
  /** Views to materialize (default: every view with `online: true`). */
  views?: readonly string[]
  /** Only values with event time ≥ start (ignored with `incremental`). */
  start?: Date | number
  /** Only values with event time ≤ end (default now). */
  end?: Date | number
  /**
   * Write only what changed since the last run. For a view over a versioned source (a dataset
   * or files) that is a row-level diff of the view's data between the source snapshot last
   * materialized and the current one, whatever the rows' event times (so late and backfilled
   * rows are picked up), plus rows that were past the last run's end. For a view queried in
   * its source (Postgres) it is the rows after the view's watermark (the end of its last run).
   */
  incremental?: boolean
}

/** How a view's rows for a run were chosen. */
export type MaterializeMode = 'full' | 'range' | 'commit-diff' | 'watermark'

/** What materializing one view did. */
export interface MaterializeReport {
  view: string
  version: number
  /** Event-time range read: `(start, end]` incremental, `[start, end]` otherwise; `null` = unbounded. */
  start: number | null
  end: number
  /** Entities whose latest value in the range was written. */
  entities: number
  written: number
  /** Values the store already held at a newer event time. */
  skipped: number
  /** The view's watermark after the run. */
  watermark: number | null
  /** How the rows were chosen: every row, an event-time range, a source diff, or after the watermark. */
  mode: MaterializeMode
  /** The source snapshot materialized: a dataset commit, else a file signature; null for query sources. */
  source: string | null
  /** The source snapshot of the previous run (`commit-diff`), null when there was none. */
  previousSource: string | null
  /** `commit-diff`: view rows added or changed between the two snapshots. */
  changedRows: number | null
  /** `commit-diff`: of those, rows with event times at or before the last run's end (late or backfilled). */
  lateRows: number | null
  /** `commit-diff`: view rows of the previous snapshot no longer there (they stay online). */
  removedRows: number | null
  /** One line on what was written and why. */
  reason: string
}

/** What the last run of a view data version recorded. */
export interface MaterializedState {
  watermark: number
  /** Entities the last run wrote. */
  rows: number
  /** When the last run finished (ms since epoch). */
  updatedAt: number
  /** The source snapshot it materialized (`null`: a query source, or a run before this was kept). */
  sourceKey: string | null
  sourceCommit: string | null
}

/** The stored state of a view data version, if it was ever materialized. */
export async function readMaterialized(
  db: Kysely<FeatureTables>,
  view: string,
  dataHash: string,
): Promise<MaterializedState | undefined> {
  const row = await db
    .selectFrom('features_watermarks')
    .select(['watermark', 'rows', 'updated_at', 'source_key', 'source_commit'])
    .where('view', '=', view)
    .where('data_hash', '=', dataHash)
    .executeTakeFirst()
  return row === undefined
    ? undefined
    : {
        watermark: Number(row.watermark),
        rows: Number(row.rows),
        updatedAt: Number(row.updated_at),
        sourceKey: row.source_key,
        sourceCommit: row.source_commit,
      }
}

/** The stored watermark of a view data version, if any. */
export async function readWatermark(
  db: Kysely<FeatureTables>,
  view: string,
  dataHash: string,
): Promise<number | null> {
  return (await readMaterialized(db, view, dataHash))?.watermark ?? null
}

/**
 * Type-checks the latest value per entity (rows already reduced to one per entity) and turns
 * them into online writes, without writing anything: a violating row rejects the whole view
 * (naming view, feature, entity and value).
 */
export async function prepareLatestWrites(
  view: FeatureView,
  layout: OnlineLayout,
  batches: AsyncIterable<Row[]>,
): Promise<OnlineWrite[]> {
  const writes: OnlineWrite[] = []
  const features = Object.entries(view.features)
  for await (const batch of batches) {
    for (const row of batch) {
      const keys: Record<string, unknown> = {}
      for (const k of view.joinKeys) {
        const key = normalizeKey(view.keyTypes[k] ?? 'string', row[k])
        if (key === undefined) {
          throw typeViolation({
            view: view.name,
            feature: k,
            type: view.keyTypes[k] === 'int' ? 'int' : 'string',
            entity: Object.fromEntries(view.joinKeys.map((j) => [j, row[j]])),
            value: row[k],
            context: 'materialize',
            role: 'join key',
          })
        }
        keys[k] = key
      }
      const value: Record<string, string | number | boolean | null> = {}
      for (const [feature, type] of features) {
        const stored = toStoredValue(type, row[feature])
        if (isInvalid(stored)) {
          throw typeViolation({
            view: view.name,
            feature,
            type,
            entity: keys,
            value: row[feature],
            context: 'materialize',
          })
        }
        value[feature] = stored
      }
      const ts = row[view.timestamp]
      const eventTime = ts instanceof Date ? ts.getTime() : Number(ts)
      writes.push({ entityKey: layoutEntityKey(layout, keys), field: layout.field, value, eventTime })
    }
  }
  return writes
}

/**
 * Writes the latest value per entity of one view to the online store, all or nothing: every
 * row is type-checked before the write (see {@link prepareLatestWrites}), and the write is one
 * `writeAtomic` call.
 */
export async function writeLatestRows(
  online: OnlineStore,
  view: FeatureView,
  layout: OnlineLayout,
  batches: AsyncIterable<Row[]>,
): Promise<{ entities: number; written: number; skipped: number }> {
  const writes = await prepareLatestWrites(view, layout, batches)
  const [result] = await online.writeAtomic([{ namespace: layout.namespace, writes }])
  return { entities: writes.length, written: result?.written ?? 0, skipped: result?.skipped ?? 0 }
}

/**
 * Moves a view's watermark forward to `end` (never backwards), stamped `now`, and records the
 * source snapshot the run materialized when it has one.
 */
export async function advanceWatermark(
  db: Kysely<FeatureTables>,
  advance: {
    view: string
    dataHash: string
    end: number
    rows: number
    now: number
    source?: { key: string; commit: string | null }
  },
): Promise<number> {
  const { view, dataHash, end, rows, now } = advance
  const current = await readWatermark(db, view, dataHash)
  const next = current === null ? end : Math.max(current, end)
  const source =
    advance.source === undefined
      ? {}
      : { source_key: advance.source.key, source_commit: advance.source.commit }
  await db
    .insertInto('features_watermarks')
    .values({ view, data_hash: dataHash, watermark: next, rows, updated_at: now, ...source })
    .onConflict((oc) =>
      oc.columns(['view', 'data_hash']).doUpdateSet({ watermark: next, rows, updated_at: now, ...source }),
    )
    .execute()
  return next
}
