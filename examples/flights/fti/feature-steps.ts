/**
 * The steps of the flights feature pipeline: recompute the feature views on the new commit of
 * `flights` (each view's data is a commit of the `feature-views` dataset, with lineage to the
 * raw commit) → materialize each entity's latest values as of `asOf` into the online store.
 */
import type { DatasetCommitValue, StepContext } from 'strata-ml'
import { project } from './project.js'

/** Output of the views step: each view's version and data commit. */
export interface ComputedViews {
  views: {
    view: string
    version: number
    rows: number
    commitId: string | null
    sourceCommit: string | null
  }[]
}

/** Computes every feature view of the project on the `flights` commit the run resolved. */
export async function computeViews(ctx: StepContext, flights: DatasetCommitValue): Promise<ComputedViews> {
  const features = await (await project()).features()
  const computed = await features.compute()
  const views = computed.map((v) => ({
    view: v.view.name,
    version: v.version.version,
    rows: v.rows,
    commitId: v.commitId,
    sourceCommit: v.sourceCommit,
  }))
  for (const v of views) {
    if (v.sourceCommit !== null && v.sourceCommit !== flights.commit) {
      throw new Error(
        `view ${v.view} was computed on flights@${v.sourceCommit.slice(0, 12)}, not on the run's commit ${flights.commit.slice(0, 12)} (main moved during the run; run it again)`,
      )
    }
    ctx.log(`${v.view} v${v.version}: ${v.rows} rows`)
  }
  return { views }
}

/** Output of the materialize step. */
export interface Materialized {
  asOf: string
  views: { view: string; entities: number; written: number }[]
}

const WEEK_AND_A_DAY = 8 * 86_400_000

/**
 * Writes each view's latest value per entity with an event time in the 8 days up to `asOf`
 * (an ISO time; the views' ttl is 7 days for airports) to the online store: as simulated time
 * advances, the store holds what was known at that time, never a later value.
 */
export async function materializeAsOf(ctx: StepContext, computed: ComputedViews): Promise<Materialized> {
  const features = await (await project()).features()
  const asOf = Date.parse(String(ctx.params.asOf))
  if (!Number.isFinite(asOf)) throw new Error(`param asOf "${String(ctx.params.asOf)}" is not a time`)
  const reports = await features.materialize({ start: asOf - WEEK_AND_A_DAY, end: asOf })
  ctx.log(`materialized ${computed.views.length} views as of ${String(ctx.params.asOf)}`)
  return {
    asOf: new Date(asOf).toISOString(),
    views: reports.map((r) => ({ view: r.view, entities: r.entities, written: r.written })),
  }
}
