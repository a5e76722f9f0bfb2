import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock.js'
import { StrataError } from '../../core/errors.js'
import { writeTransaction } from '../../db/index.js'
import type { OnlineStore, OnlineWrite, Row } from '../../ports/index.js'
import type { FeatureCatalog, FeatureRegistry, FeatureTables, FeatureView } from '../definitions/index.js'
import type { OfflineView } from '../offline/index.js'
import {
  advanceWatermark,
  type MaterializedState,
  type MaterializeOptions,
  type MaterializeReport,
  prepareLatestWrites,
  readMaterialized,
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
    layout: OnlineLayout
    writes: OnlineWrite[]
    covers: boolean
    source: { key: string; commit: string | null } | undefined
    report: Omit<
      MaterializeReport,
      'view' | 'version' | 'end' | 'entities' | 'written' | 'skipped' | 'watermark'
    >
  }[] = []
  for (const name of names) {
    const view = deps.catalog.view(name)
    const version = await deps.registry.resolve(view)
    const dataHash = version.dataHash ?? ''
    const state = await readMaterialized(deps.db, view.name, dataHash)
    const watermark = state?.watermark ?? null
    const layout = onlineLayout(deps.prefix, view, dataHash)
    const offline = deps.offlineView(view)
    const chosen = await chooseRows(offline, state, options, start, end)
    const writes = await prepareLatestWrites(view, layout, chosen.rows)
    // A run that covers everything since the watermark moves it; a window further ahead does not.
    const from = chosen.report.mode === 'range' ? chosen.report.start : null
    const covers = options.incremental === true || from === null || (watermark !== null && from <= watermark)
    planned.push({
      view,
      version: version.version,
      dataHash,
      watermark,
      layout,
      writes,
      covers,
      source: chosen.source,
      report: chosen.report,
    })
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
              ...(p.source === undefined ? {} : { source: p.source }),
            })
          : p.watermark,
      )
    }
    return next
  })
  return planned.map((p, i) => ({
    view: p.view.name,
    version: p.version,
    end,
    entities: p.writes.length,
    written: results[i]?.written ?? 0,
    skipped: results[i]?.skipped ?? 0,
    watermark: watermarks[i] ?? null,
    ...p.report,
  }))
}

type ChosenRows = {
  rows: AsyncIterable<Row[]>
  source: { key: string; commit: string | null } | undefined
  report: Omit<
    MaterializeReport,
    'view' | 'version' | 'end' | 'entities' | 'written' | 'skipped' | 'watermark'
  >
}

/**
 * Which rows of a view a run writes, and why. Incremental runs of views over versioned sources
 * diff the source snapshots (event times do not matter); views queried in their source, and
 * views materialized before snapshots were recorded, start after the watermark.
 */
async function chooseRows(
  offline: OfflineView,
  state: MaterializedState | undefined,
  options: MaterializeOptions,
  start: number | null,
  end: number,
): Promise<ChosenRows> {
  const data = offline.compute === undefined ? undefined : await offline.compute()
  const source = data === undefined ? undefined : { key: data.sourceKey, commit: data.sourceCommit }
  const none = { previousSource: null, changedRows: null, lateRows: null, removedRows: null }
  const shown = (key: string | null, commit: string | null) => (commit ?? key)?.slice(0, 12) ?? 'none'
  if (options.incremental === true) {
    if (state !== undefined && state.sourceKey !== null && offline.changedSince !== undefined) {
      const changes = await offline.changedSince(
        { sourceKey: state.sourceKey, watermark: state.watermark },
        end,
      )
      const previousSource = state.sourceCommit ?? state.sourceKey
      const from = shown(state.sourceKey, state.sourceCommit)
      const to = shown(changes.sourceKey, changes.sourceCommit)
      const reason =
        changes.sourceKey === state.sourceKey
          ? `source unchanged since the last run (${to}): rows after its end ${iso(state.watermark)} only`
          : !changes.previousFound
            ? `the data of the last run's source ${from} is gone; wrote every entity's latest value from ${to}`
            : `source ${from} → ${to}: ${changes.changed} view rows added or changed` +
              (changes.late > 0
                ? ` (${changes.late} with event times before the last run's end: late or backfilled)`
                : '') +
              (changes.removed > 0
                ? `, ${changes.removed} rows gone or replaced (values already online stay)`
                : '')
      return {
        rows: changes.rows,
        source: { key: changes.sourceKey, commit: changes.sourceCommit },
        report: {
          start: null,
          mode: 'commit-diff',
          source: changes.sourceCommit ?? changes.sourceKey,
          previousSource,
          changedRows: changes.changed,
          lateRows: changes.late,
          removedRows: changes.removed,
          reason,
        },
      }
    }
    const after = state?.watermark ?? null
    const why =
      state === undefined
        ? "first run: every entity's latest value"
        : offline.changedSince === undefined
          ? `the source is queried where it lives and has no commits: rows after the watermark ${iso(state.watermark)}`
          : `the last run recorded no source snapshot: rows after the watermark ${iso(state.watermark)}`
    return {
      rows: await offline.latest({ after, from: null, upTo: end }),
      source,
      report: {
        start: after,
        mode: state === undefined ? 'full' : 'watermark',
        source: source === undefined ? null : (source.commit ?? source.key),
        ...none,
        reason: why,
      },
    }
  }
  return {
    rows: await offline.latest({ after: null, from: start, upTo: end }),
    // Only a run over every event time stands for the snapshot.
    source: start === null ? source : undefined,
    report: {
      start,
      mode: start === null ? 'full' : 'range',
      source: source === undefined ? null : (source.commit ?? source.key),
      ...none,
      reason:
        start === null ? "every entity's latest value" : `every entity's latest value from ${iso(start)}`,
    },
  }
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
