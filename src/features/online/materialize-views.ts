import type { Kysely } from 'kysely'
import { StrataError } from '../core/errors.js'
import type { OnlineStore, Row, TableEngine } from '../ports/index.js'
import type { FeatureCatalog } from './feature-catalog.js'
import type { FeatureRegistry } from './feature-registry.js'
import type { FeatureView } from './feature-view.js'
import type { FeatureTables } from './features-migrations.js'
import {
  advanceWatermark,
  type MaterializeOptions,
  type MaterializeReport,
  readWatermark,
  writeLatestRows,
} from './materialize.js'
import { onlineLayout } from './online-layout.js'
import { type PostgresSourcePool, postgresViewRows } from './postgres-offline.js'
import { ident, literal } from './sql.js'
import type { ViewDataStore } from './view-data.js'

export type { MaterializeOptions, MaterializeReport } from './materialize.js'

/** What materialization needs from the store. */
export interface MaterializeDeps {
  engine: TableEngine
  db: Kysely<FeatureTables>
  online: OnlineStore
  catalog: FeatureCatalog
  registry: FeatureRegistry
  viewData: ViewDataStore
  prefix: string
  postgres: (view: FeatureView) => PostgresSourcePool
}

/**
 * Materializes views one by one: reads each view's latest row per entity within the range
 * (from its computed Parquet in DuckDB, or from Postgres), type-checks the whole batch, writes
 * it, then advances the view's watermark to the range's end. Incremental runs start after the
 * watermark, so running twice writes nothing the second time.
 */
export async function materializeViews(
  deps: MaterializeDeps,
  options: MaterializeOptions,
): Promise<MaterializeReport[]> {
  const names = options.views ?? [...deps.catalog.views.values()].filter((v) => v.online).map((v) => v.name)
  const end = options.end === undefined ? Date.now() : toMs(options.end, 'end')
  const start = options.start === undefined ? null : toMs(options.start, 'start')
  if (start !== null && start > end) {
    throw new StrataError('INVALID_ARGUMENT', `materialize start ${iso(start)} is after end ${iso(end)}`)
  }
  const reports: MaterializeReport[] = []
  for (const name of names) {
    const view = deps.catalog.view(name)
    const version = await deps.registry.resolve(view)
    const dataHash = version.dataHash ?? ''
    const watermark = await readWatermark(deps.db, view.name, dataHash)
    const after = options.incremental ? watermark : null
    const from = options.incremental ? null : start
    const layout = onlineLayout(deps.prefix, view, dataHash)
    const rows =
      view.source.kind === 'postgres'
        ? postgresViewRows(deps.postgres(view), view, { after, from, upTo: end, latest: true })
        : await duckdbLatest(deps, view, after, from, end)
    const result = await writeLatestRows(deps.online, view, layout, rows)
    // A run that covers everything since the watermark moves it; a window further ahead does not.
    const covers = options.incremental || from === null || (watermark !== null && from <= watermark)
    const next = covers
      ? await advanceWatermark(deps.db, view.name, dataHash, end, result.entities)
      : watermark
    reports.push({
      view: view.name,
      version: version.version,
      start: options.incremental ? after : from,
      end,
      ...result,
      watermark: next,
    })
  }
  return reports
}

async function duckdbLatest(
  deps: MaterializeDeps,
  view: FeatureView,
  after: number | null,
  from: number | null,
  end: number,
): Promise<AsyncIterable<Row[]>> {
  const data = await deps.viewData.get(view)
  const ts = ident(view.timestamp)
  const where = [`${ts} <= epoch_ms(${Math.trunc(end)})`]
  if (after !== null) where.push(`${ts} > epoch_ms(${Math.trunc(after)})`)
  if (from !== null) where.push(`${ts} >= epoch_ms(${Math.trunc(from)})`)
  const keys = view.joinKeys.map(ident).join(', ')
  const sql = `SELECT * FROM read_parquet(${literal(data.path)}) WHERE ${where.join(' AND ')} QUALIFY row_number() OVER (PARTITION BY ${keys} ORDER BY ${ts} DESC) = 1`
  return deps.engine.streamRows(sql)
}

function toMs(value: Date | number, what: string): number {
  const n = value instanceof Date ? value.getTime() : value
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new StrataError('INVALID_ARGUMENT', `materialize ${what} ${String(value)} is not a valid time`)
  }
  return n
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}
