import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
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
import { timed } from './debug-timer.js'
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
      const computed = await timed(`view data ${view.name}`, compute)
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
