import { StrataError } from '../../core/errors.js'
import type { OnlineStore } from '../../ports/index.js'
import type { FeatureCatalog, FeatureRegistry, FeatureView } from '../definitions/index.js'
import { onlineLayout } from './online-layout.js'
import { checkPushColumns, type PushRows, preparePush, pushedRows } from './push-rows.js'

/** Where pushed rows go (Feast's `to`): the online store, the offline source, or both. */
export type PushTarget = 'online' | 'offline' | 'online_and_offline'

/** The push targets, for validation and messages. */
export const PUSH_TARGETS: readonly PushTarget[] = ['online', 'offline', 'online_and_offline']

/** Options of `FeatureStore.push`: the rows and where they go (one of `pushSource` or `view`). */
export interface PushOptions {
  /** Every view declaring this push source (`featureView({ pushSource })`) takes the rows. */
  pushSource?: string
  /** One view takes the rows (Feast's `write_to_online_store`). */
  view?: string
  /** Rows with each view's join keys, event timestamp and features (objects or columns). */
  rows: PushRows
  /** Default `online`. */
  to?: PushTarget
}

/** What pushing did to one view. */
export interface PushViewReport {
  view: string
  /** The registered version the rows were written to. */
  version: number
  /** Rows given. */
  rows: number
  /** Entities written to (the latest row per entity is kept). */
  entities: number
  /** Values stored online. */
  written: number
  /** Values the online store already held at a newer event time (kept). */
  skipped: number
}

/** What {@link pushRows} did. */
export interface PushReport {
  to: PushTarget
  views: PushViewReport[]
}

/** What pushing needs from the store. */
export interface PushDeps {
  online: OnlineStore
  catalog: FeatureCatalog
  registry: FeatureRegistry
  prefix: string
}

/**
 * Writes pushed rows straight to the online store, all or nothing: the target views are
 * resolved (a push source's views, or one view, each at its registered version), every row is
 * checked against every target view (unknown columns, join keys, event timestamp, every
 * feature's type — see {@link preparePush}) before anything is written, and then all views'
 * latest values per entity go to the online store in one `writeAtomic` (one SQLite
 * transaction, one Redis `MULTI`/`EXEC`). As with materialize, a value never replaces one
 * with a newer event time (an equal time replaces). Offline pushes are not supported yet
 * (`UNSUPPORTED`, before anything is written).
 */
export async function pushRows(deps: PushDeps, options: PushOptions): Promise<PushReport> {
  const to = options.to ?? 'online'
  if (!PUSH_TARGETS.includes(to)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `push target ${JSON.stringify(to)} is not one of ${PUSH_TARGETS.map((t) => `"${t}"`).join(', ')}`,
    )
  }
  const views = targetViews(deps.catalog, options)
  if (to !== 'online') {
    throw new StrataError(
      'UNSUPPORTED',
      `push to "${to}" is not supported yet: Strata writes pushed rows to the online store only; push with to "online", and add the rows to the view's source (a dataset commit) for training sets`,
      { details: { to, views: views.map((v) => v.name) } },
    )
  }
  for (const view of views) {
    if (!view.online) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `feature view "${view.name}" is offline only (online: false); pushing online needs a view with online: true`,
        { details: { view: view.name } },
      )
    }
  }
  const rows = pushedRows(options.rows)
  checkPushColumns(rows, views)
  const planned = []
  for (const view of views) {
    const version = await deps.registry.resolve(view)
    const layout = onlineLayout(deps.prefix, view, version.dataHash ?? '')
    planned.push({ view, version: version.version, layout, prepared: preparePush(view, layout, rows) })
  }
  const results = await deps.online.writeAtomic(
    planned.map((p) => ({ namespace: p.layout.namespace, writes: p.prepared.writes })),
  )
  return {
    to,
    views: planned.map((p, i) => ({
      view: p.view.name,
      version: p.version,
      rows: p.prepared.rows,
      entities: p.prepared.writes.length,
      written: results[i]?.written ?? 0,
      skipped: results[i]?.skipped ?? 0,
    })),
  }
}

/** The views a push writes to, or a clear error naming what exists. */
function targetViews(catalog: FeatureCatalog, options: PushOptions): FeatureView[] {
  const { pushSource, view } = options
  if ((pushSource === undefined) === (view === undefined)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      'push needs exactly one of pushSource (the views declaring that push source) or view (one feature view)',
    )
  }
  if (view !== undefined) return [catalog.view(view)]
  const all = [...catalog.views.values()]
  const matching = all.filter((v) => v.pushSource === pushSource)
  if (matching.length === 0) {
    const declared = [...new Set(all.flatMap((v) => (v.pushSource === undefined ? [] : [v.pushSource])))]
    throw new StrataError(
      'NOT_FOUND',
      `no feature view declares push source ${JSON.stringify(pushSource)}; ${
        declared.length === 0
          ? 'no view declares one (featureView({ …, pushSource: "name" }))'
          : `declared push sources: ${declared.map((d) => `"${d}"`).join(', ')}`
      }`,
      { details: { pushSource, declared } },
    )
  }
  return matching
}
