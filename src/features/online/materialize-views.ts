import type { Kysely } from 'kysely'
import { StrataError } from '../../core/errors.js'
import type { OnlineStore } from '../../ports/index.js'
import type { FeatureCatalog, FeatureRegistry, FeatureTables, FeatureView } from '../definitions/index.js'
import type { OfflineView } from '../offline/index.js'
import {
  advanceWatermark,
  type MaterializeOptions,
  type MaterializeReport,
  readWatermark,
  writeLatestRows,
} from './materialize.js'
import { onlineLayout } from './online-layout.js'

/** What materialization needs from the store. */
export interface MaterializeDeps {
  db: Kysely<FeatureTables>
  online: OnlineStore
  catalog: FeatureCatalog
  registry: FeatureRegistry
  prefix: string
  /** Reads a view offline, whatever its source. */
  offlineView: (view: FeatureView) => OfflineView
}

/**
 * Materializes views one by one: reads each view's latest row per entity within the range
 * (from its computed data in DuckDB, or queried in its source), type-checks the whole batch, writes
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
    const rows = await deps.offlineView(view).latest({ after, from, upTo: end })
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
