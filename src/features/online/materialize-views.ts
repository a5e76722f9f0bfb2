import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock.js'
import { StrataError } from '../../core/errors.js'
import { writeTransaction } from '../../db/index.js'
import type { OnlineStore, OnlineWrite } from '../../ports/index.js'
import type { FeatureCatalog, FeatureRegistry, FeatureTables, FeatureView } from '../definitions/index.js'
import type { OfflineView } from '../offline/index.js'
import {
  advanceWatermark,
  type MaterializeOptions,
  type MaterializeReport,
  prepareLatestWrites,
  readWatermark,
} from './materialize.js'
import { type OnlineLayout, onlineLayout } from './online-layout.js'

/** What materialization needs from the store. */
export interface MaterializeDeps {
  db: Kysely<FeatureTables>
  online: OnlineStore
  catalog: FeatureCatalog
  registry: FeatureRegistry
  prefix: string
  /** Reads a view offline, whatever its source. */
  offlineView: (view: FeatureView) => OfflineView
  /** The default end of the range, and the time watermarks are stamped with. */
  clock: Clock
}

/**
 * Materializes the views of one run all or nothing. First every view's latest row per entity
 * within the range is read (from its computed data in DuckDB, or queried in its source) and
 * type-checked, writing nothing; a rejected view stops the run before any write. Then all
 * views' values go to the online store in one `writeAtomic` (one SQLite transaction, one Redis
 * `MULTI`/`EXEC`), so a crash or a failure leaves every view wholly on its previous values.
 * Last, the views' watermarks move to the range's end in one metadata transaction (a crash
 * before that only makes the next incremental run write the same values again). Incremental
 * runs start after the watermark, so running twice writes nothing the second time.
 */
export async function materializeViews(
  deps: MaterializeDeps,
  options: MaterializeOptions,
): Promise<MaterializeReport[]> {
  const names = options.views ?? [...deps.catalog.views.values()].filter((v) => v.online).map((v) => v.name)
  const end = options.end === undefined ? deps.clock.now() : toMs(options.end, 'end')
  const start = options.start === undefined ? null : toMs(options.start, 'start')
  if (start !== null && start > end) {
    throw new StrataError('INVALID_ARGUMENT', `materialize start ${iso(start)} is after end ${iso(end)}`)
  }
  const planned: {
    view: FeatureView
    version: number
    dataHash: string
    watermark: number | null
    after: number | null
    from: number | null
    layout: OnlineLayout
    writes: OnlineWrite[]
    covers: boolean
  }[] = []
  for (const name of names) {
    const view = deps.catalog.view(name)
    const version = await deps.registry.resolve(view)
    const dataHash = version.dataHash ?? ''
    const watermark = await readWatermark(deps.db, view.name, dataHash)
    const after = options.incremental ? watermark : null
    const from = options.incremental ? null : start
    const layout = onlineLayout(deps.prefix, view, dataHash)
    const rows = await deps.offlineView(view).latest({ after, from, upTo: end })
    const writes = await prepareLatestWrites(view, layout, rows)
    // A run that covers everything since the watermark moves it; a window further ahead does not.
    const covers = options.incremental || from === null || (watermark !== null && from <= watermark)
    planned.push({ view, version: version.version, dataHash, watermark, after, from, layout, writes, covers })
  }
  const results = await deps.online.writeAtomic(
    planned.map((p) => ({ namespace: p.layout.namespace, writes: p.writes })),
  )
  const now = deps.clock.now()
  const watermarks = await writeTransaction(deps.db, async (trx) => {
    const next: (number | null)[] = []
    for (const p of planned) {
      next.push(
        p.covers
          ? await advanceWatermark(trx, {
              view: p.view.name,
              dataHash: p.dataHash,
              end,
              rows: p.writes.length,
              now,
            })
          : p.watermark,
      )
    }
    return next
  })
  return planned.map((p, i) => ({
    view: p.view.name,
    version: p.version,
    start: options.incremental ? p.after : p.from,
    end,
    entities: p.writes.length,
    written: results[i]?.written ?? 0,
    skipped: results[i]?.skipped ?? 0,
    watermark: watermarks[i] ?? null,
  }))
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
