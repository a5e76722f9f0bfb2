import type { Kysely } from 'kysely'
import { StrataError } from '../../core/errors.js'
import { type MetadataDatabase, translateDbError, writeTransaction } from '../../db/index.js'
import type { FeatureCatalog, FeatureDefinition } from './feature-catalog.js'
import { buildPlan, type FeaturePlan } from './feature-plan.js'
import { type DefinitionSpec, specOf } from './feature-spec.js'
import type { FeatureTables } from './features-migrations.js'

/** One registered, immutable version of a definition. */
export interface RegisteredDefinition {
  kind: FeatureDefinition['kind']
  name: string
  version: number
  specHash: string
  dataHash: string | null
  spec: Record<string, unknown>
  createdAt: number
  removedAt: number | null
}

/** What {@link FeatureRegistry.apply} did. */
export interface ApplyResult {
  plan: FeaturePlan
  /** Versions registered by this apply. */
  registered: RegisteredDefinition[]
  /** Definitions marked removed. */
  removed: { kind: string; name: string; version: number }[]
}

/**
 * Registered versions of the project's definitions in the metadata database. Versions are
 * immutable: a changed definition gets the next version; a removed one has its last version
 * marked removed (a later re-add starts a new version).
 */
export class FeatureRegistry {
  private readonly db: Kysely<FeatureTables>

  constructor(metadata: MetadataDatabase) {
    this.db = metadata.db.withTables<FeatureTables>()
  }

  /** The latest live (not removed) version of every definition, keyed `kind/name`. */
  async live(): Promise<Map<string, RegisteredDefinition>> {
    const rows = await this.db.selectFrom('features_definitions').selectAll().orderBy('version').execute()
    const latest = new Map<string, RegisteredDefinition>()
    for (const row of rows) latest.set(`${row.kind}/${row.name}`, toDefinition(row))
    for (const [key, def] of latest) if (def.removedAt !== null) latest.delete(key)
    return latest
  }

  /** Every version of one definition, oldest first. */
  async versions(kind: FeatureDefinition['kind'], name: string): Promise<RegisteredDefinition[]> {
    const rows = await this.db
      .selectFrom('features_definitions')
      .selectAll()
      .where('kind', '=', kind)
      .where('name', '=', name)
      .orderBy('version')
      .execute()
    return rows.map(toDefinition)
  }

  /** What {@link apply} would do for these definitions. */
  async plan(catalog: FeatureCatalog): Promise<FeaturePlan> {
    return buildPlan(await this.live(), catalog.all().map(specOf))
  }

  /**
   * Registers a new version of every created or changed definition and marks removed ones, in
   * one transaction. Breaking changes are refused with `FAILED_PRECONDITION` unless
   * `allowBreaking`. Concurrent applies of the same change: one wins, the other gets `CONFLICT`.
   */
  async apply(
    catalog: FeatureCatalog,
    options: { allowBreaking?: boolean; now?: number } = {},
  ): Promise<ApplyResult> {
    const specs = new Map(catalog.all().map((d) => [`${d.kind}/${d.name}`, specOf(d)]))
    const plan = buildPlan(await this.live(), [...specs.values()])
    if (plan.hasBreakingChanges && options.allowBreaking !== true) {
      const names = plan.changes.filter((c) => c.breaking).map((c) => `${c.kind} ${c.name}`)
      throw new StrataError(
        'FAILED_PRECONDITION',
        `the plan has breaking changes (${names.join(', ')}); review "strata plan" and apply with --allow-breaking`,
        { details: { breaking: names } },
      )
    }
    const now = options.now ?? Date.now()
    const registered: RegisteredDefinition[] = []
    const removed: ApplyResult['removed'] = []
    try {
      await writeTransaction(this.db, async (trx) => {
        for (const change of plan.changes) {
          if (change.action === 'create' || change.action === 'update') {
            const spec = specs.get(`${change.kind}/${change.name}`) as DefinitionSpec
            const row = {
              kind: change.kind,
              name: change.name,
              version: await nextVersion(trx, change.kind, change.name),
              spec_hash: spec.specHash,
              data_hash: spec.dataHash,
              spec: JSON.stringify(spec.spec),
              created_at: now,
              removed_at: null,
            }
            await trx.insertInto('features_definitions').values(row).execute()
            registered.push(toDefinition(row))
          } else if (change.action === 'remove' && change.fromVersion !== null) {
            await trx
              .updateTable('features_definitions')
              .set({ removed_at: now })
              .where('kind', '=', change.kind)
              .where('name', '=', change.name)
              .where('version', '=', change.fromVersion)
              .execute()
            removed.push({ kind: change.kind, name: change.name, version: change.fromVersion })
          }
        }
      })
    } catch (err) {
      const translated = translateDbError(err, 'a definition version')
      if (translated.code === 'ALREADY_EXISTS') {
        throw new StrataError(
          'CONFLICT',
          'another apply registered versions at the same time; run plan again',
          {
            cause: err,
          },
        )
      }
      throw translated
    }
    return { plan, registered, removed }
  }

  /**
   * The registered version equal to the definition in code, or `FAILED_PRECONDITION` when it
   * was never applied or changed since (so nothing is computed or served from unregistered code).
   */
  async resolve(def: FeatureDefinition): Promise<RegisteredDefinition> {
    const spec = specOf(def)
    const versions = await this.versions(def.kind, def.name)
    const latest = versions.at(-1)
    if (latest !== undefined && latest.removedAt === null && latest.specHash === spec.specHash) return latest
    const why =
      latest === undefined
        ? 'has never been applied'
        : latest.removedAt !== null
          ? 'was removed by the last apply'
          : `differs from registered v${latest.version}`
    throw new StrataError(
      'FAILED_PRECONDITION',
      `${def.kind} "${def.name}" ${why}; run "strata plan" and "strata apply" first`,
      { details: { kind: def.kind, name: def.name } },
    )
  }
}

async function nextVersion(trx: Kysely<FeatureTables>, kind: string, name: string): Promise<number> {
  const row = await trx
    .selectFrom('features_definitions')
    .select((eb) => eb.fn.max('version').as('v'))
    .where('kind', '=', kind)
    .where('name', '=', name)
    .executeTakeFirst()
  return Number(row?.v ?? 0) + 1
}

function toDefinition(row: FeatureTables['features_definitions']): RegisteredDefinition {
  return {
    kind: row.kind as FeatureDefinition['kind'],
    name: row.name,
    version: Number(row.version),
    specHash: row.spec_hash,
    dataHash: row.data_hash,
    spec: JSON.parse(row.spec) as Record<string, unknown>,
    createdAt: Number(row.created_at),
    removedAt: row.removed_at === null ? null : Number(row.removed_at),
  }
}
