import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import type { Tracing } from '../../core/tracing.js'
import type { Row, TableEngine } from '../../ports/index.js'
import {
  type FeatureRegistry,
  type FeatureSource,
  type FeatureView,
  ident,
  literal,
  type QueryReading,
  type SourceContext,
  type SourceQuery,
  sourceAdapterOf,
} from '../definitions/index.js'
import { JsonlTableWriter } from './jsonl-table.js'
import type { ViewTable } from './offline-retrieval.js'
import { pushedDownJoin } from './pushed-down-join.js'
import type { TrainingSetInput } from './training-set.js'
import type { ViewData, ViewDataStore } from './view-data.js'

/** What reading views offline needs from the store. */
export interface OfflineViewDeps {
  engine: TableEngine
  registry: FeatureRegistry
  viewData: ViewDataStore
  sources: SourceContext
  /** Times reading a view's data (area `features`). */
  tracing: Tracing
}

/** The event-time range of a materialization: `(after, upTo]` or `[from, upTo]`. */
export interface LatestRange {
  after: number | null
  from: number | null
  upTo: number
}

/**
 * A feature view's offline rows, the same way for every source: training sets, time-range
 * retrieval and materialization read views only through this, never by source kind.
 */
export interface OfflineView {
  readonly view: FeatureView
  /** The computed data, for views over snapshot sources; absent where the source runs the view. */
  readonly compute?: () => Promise<ViewData>
  /** The view's rows for a point-in-time join, and what a training set records of them. */
  joinTable(): Promise<{ table: ViewTable; input: TrainingSetInput }>
  /** A DuckDB relation of the view's rows (join keys and event time) with event time in `[start, end]`. */
  events(start: number, end: number, tempDir: string): Promise<string>
  /** The latest row per entity within the range, for materialization. */
  latest(range: LatestRange): Promise<AsyncIterable<Row[]>>
  /**
   * For views over versioned sources: what changed since source snapshot `previous.sourceKey`
   * (see {@link SourceChanges}). Absent for views queried in their source.
   */
  changedSince?(previous: { sourceKey: string; watermark: number }, upTo: number): Promise<SourceChanges>
}

/** The rows of a view that changed between two source snapshots, for incremental materialization. */
export interface SourceChanges {
  /** The current snapshot. */
  sourceKey: string
  sourceCommit: string | null
  /** False when the previous snapshot's data is gone: `rows` is then every entity's latest row. */
  previousFound: boolean
  /**
   * The latest row per entity among the rows with event time ≤ `upTo` that are new or changed
   * since the previous snapshot, or past its run's end (`watermark`).
   */
  rows: AsyncIterable<Row[]>
  /** Rows (any event time ≤ upTo) added or changed between the snapshots. */
  changed: number
  /** Of those, rows with event time ≤ the previous run's end: late or backfilled data. */
  late: number
  /** Rows of the previous snapshot that are no longer there. */
  removed: number
}

/**
 * The offline reader of a view, chosen by how its source adapter reads: views over snapshot
 * sources are computed to Parquet and read in DuckDB; views over query sources are read where
 * the source runs them.
 */
export function openOfflineView(view: FeatureView, deps: OfflineViewDeps): OfflineView {
  const reading = sourceAdapterOf(view.source).reading
  return reading.mode === 'snapshot' ? computedView(view, deps) : queriedView(view, reading, deps)
}

function parquet(path: string): string {
  return `read_parquet(${literal(path)})`
}

function computedView(view: FeatureView, deps: OfflineViewDeps): OfflineView {
  let data: Promise<ViewData> | undefined
  const compute = () => {
    data ??= deps.viewData.get(view)
    return data
  }
  const ts = ident(view.timestamp)
  return {
    view,
    compute,
    async joinTable() {
      const computed = await deps.tracing.timed('features', `view data ${view.name}`, compute)
      return {
        table: { relation: parquet(computed.path), timestampType: 'TIMESTAMP' },
        input: {
          view: view.name,
          version: computed.version.version,
          dataCommit: computed.commitId,
          sourceCommit: computed.sourceCommit,
        },
      }
    },
    async events(start, end) {
      const computed = await compute()
      return `(SELECT * FROM ${parquet(computed.path)} WHERE ${ts} BETWEEN epoch_ms(${start}) AND epoch_ms(${end}))`
    },
    async latest({ after, from, upTo }) {
      const computed = await compute()
      const where = [`${ts} <= epoch_ms(${Math.trunc(upTo)})`]
      if (after !== null) where.push(`${ts} > epoch_ms(${Math.trunc(after)})`)
      if (from !== null) where.push(`${ts} >= epoch_ms(${Math.trunc(from)})`)
      const keys = view.joinKeys.map(ident).join(', ')
      const sql = `SELECT * FROM ${parquet(computed.path)} WHERE ${where.join(' AND ')} QUALIFY row_number() OVER (PARTITION BY ${keys} ORDER BY ${ts} DESC) = 1`
      return deps.engine.streamRows(sql)
    },
    async changedSince(previous, upTo) {
      const computed = await compute()
      const current = parquet(computed.path)
      const keys = view.joinKeys.map(ident).join(', ')
      const latestOf = (relation: string) =>
        `SELECT * FROM ${relation} QUALIFY row_number() OVER (PARTITION BY ${keys} ORDER BY ${ts} DESC) = 1`
      const end = `epoch_ms(${Math.trunc(upTo)})`
      const base = { sourceKey: computed.sourceKey, sourceCommit: computed.sourceCommit }
      const watermark = `epoch_ms(${Math.trunc(previous.watermark)})`
      const ahead = `SELECT * FROM ${current} WHERE ${ts} > ${watermark} AND ${ts} <= ${end}`
      if (previous.sourceKey === computed.sourceKey) {
        // The same snapshot: only rows that were past the last run's end.
        const rows = await deps.engine.streamRows(latestOf(`(${ahead})`))
        return { ...base, previousFound: true, rows, changed: 0, late: 0, removed: 0 }
      }
      const path = await deps.viewData.computedPath(view, computed.dataHash, previous.sourceKey)
      if (path === undefined) {
        const rows = await deps.engine.streamRows(
          latestOf(`(SELECT * FROM ${current} WHERE ${ts} <= ${end})`),
        )
        return { ...base, previousFound: false, rows, changed: computed.rows, late: 0, removed: 0 }
      }
      // Same data hash, same columns: a row-level diff is EXCEPT over whole rows.
      const added = `(SELECT * FROM ${current} EXCEPT ALL SELECT * FROM ${parquet(path)})`
      const gone = `(SELECT * FROM ${parquet(path)} EXCEPT ALL SELECT * FROM ${current})`
      const counts = await deps.engine.query(
        `SELECT (SELECT count(*) FROM ${added} WHERE ${ts} <= ${end})::BIGINT AS changed,
                (SELECT count(*) FROM ${added} WHERE ${ts} <= ${watermark})::BIGINT AS late,
                (SELECT count(*) FROM ${gone})::BIGINT AS removed`,
      )
      const c = counts.rows[0] ?? {}
      const pending = `(SELECT * FROM ${added} WHERE ${ts} <= ${end} UNION ${ahead})`
      return {
        ...base,
        previousFound: true,
        rows: await deps.engine.streamRows(latestOf(pending)),
        changed: Number(c.changed ?? 0),
        late: Number(c.late ?? 0),
        removed: Number(c.removed ?? 0),
      }
    },
  }
}

function queriedView(
  view: FeatureView,
  reading: QueryReading<FeatureSource>,
  deps: OfflineViewDeps,
): OfflineView {
  let query: SourceQuery | undefined
  // Opened on first use, so a view that is never read needs no connection.
  const open = () => {
    query ??= reading.open(view, deps.sources)
    return query
  }
  return {
    view,
    async joinTable() {
      const version = await deps.registry.resolve(view)
      return {
        table: pushedDownJoin(open(), view, deps.engine, reading.engine),
        input: { view: view.name, version: version.version, dataCommit: null, sourceCommit: null },
      }
    },
    async events(start, end, tempDir) {
      const keys = [...view.joinKeys].sort()
      const writer = new JsonlTableWriter(join(tempDir, `events-${view.name}-${randomUUID()}.jsonl`), [
        ...keys.map((k) => ({
          name: k,
          type: view.keyTypes[k] === 'int' ? ('int' as const) : ('string' as const),
        })),
        { name: view.timestamp, type: 'timestamp' as const },
      ])
      try {
        for await (const batch of open().rows({ from: start, upTo: end, latest: false })) {
          for (const row of batch) await writer.write(row)
        }
      } finally {
        await writer.close()
      }
      return writer.relation()
    },
    async latest({ after, from, upTo }) {
      return open().rows({ after, from, upTo, latest: true })
    },
  }
}
