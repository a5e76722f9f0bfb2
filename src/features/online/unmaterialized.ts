import type { Kysely } from 'kysely'
import { StrataError } from '../../core/errors.js'
import type { FeatureRegistry, FeatureTables } from '../definitions/index.js'
import type { OnlineFeatures, OnlinePlan } from './online-retrieval.js'

/**
 * Turns "every requested entity is NOT_FOUND for a view" into an error saying what to do when
 * the cause is a view version that was never materialized while an earlier version was (after
 * an apply that changed the view's data, such as a breaking change): the online store holds
 * only the old version's values, so every lookup of the new one would find nothing.
 * Versions found materialized are remembered, so a served request checks nothing.
 */
export class MaterializedCheck {
  readonly #known = new Set<string>()

  constructor(
    private readonly db: Kysely<FeatureTables>,
    private readonly registry: FeatureRegistry,
  ) {}

  /** Throws `FAILED_PRECONDITION` for a view whose current version is not materialized but an older one is. */
  async check(bound: OnlinePlan, result: OnlineFeatures): Promise<void> {
    const rows = result.statuses.length
    if (rows === 0) return
    const outputs = bound.plan.outputs.length
    for (const read of bound.reads) {
      for (const v of read.views) {
        if (this.#known.has(v.field)) continue
        const outs = v.features.filter((f) => f.out < outputs).map((f) => f.out)
        const found = result.statuses.some((s) => outs.some((o) => s[o] !== 'NOT_FOUND'))
        if (outs.length === 0 || found) continue
        const version = await this.registry.resolve(v.view)
        const materialized = await this.db
          .selectFrom('features_watermarks')
          .select('data_hash')
          .where('view', '=', v.view.name)
          .execute()
        const hashes = materialized.map((m) => m.data_hash)
        if (hashes.includes(version.dataHash ?? '')) {
          this.#known.add(v.field)
          continue
        }
        if (hashes.length === 0) continue
        const older = await this.db
          .selectFrom('features_definitions')
          .select('version')
          .where('kind', '=', 'feature-view')
          .where('name', '=', v.view.name)
          .where('data_hash', 'in', hashes)
          .orderBy('version')
          .execute()
        const held = older.map((o) => `v${o.version}`).join(', ') || 'an earlier version'
        const name = v.view.name
        throw new StrataError(
          'FAILED_PRECONDITION',
          `feature view "${name}" v${version.version} has not been materialized since it was applied: the online store holds ${held} only, so every lookup of v${version.version} would be NOT_FOUND; run "strata features materialize --views ${name}" (SDK: store.materialize({ views: ['${name}'] }))`,
          { details: { view: name, version: version.version, materialized: older.map((o) => o.version) } },
        )
      }
    }
  }
}
