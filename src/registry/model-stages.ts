import type { Kysely } from 'kysely'
import { StrataError } from '../core/errors.js'
import { writeTransaction } from '../db/index.js'
import type { RegistryTables } from './registry-migrations.js'
import { assertModelName } from './registry-names.js'
import { MODEL_STAGES, type ModelStage, type ModelVersion } from './registry-types.js'
import { touchModel } from './touch-model.js'
import { modelNotFound } from './version-registration.js'

type Db = Kysely<RegistryTables>

/**
 * The canonical stage of `text`, case-insensitively as MLflow reads it (`production` →
 * `Production`), or INVALID_ARGUMENT with MLflow's wording, which lists the valid stages.
 */
export function parseStage(text: string): ModelStage {
  const stage = MODEL_STAGES.find((s) => s.toLowerCase() === text.trim().toLowerCase())
  if (stage === undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `Invalid Model Version stage: ${text}. Value must be one of ${MODEL_STAGES.join(', ')}.`,
      { details: { stage: text, valid: MODEL_STAGES } },
    )
  }
  return stage
}

/**
 * Moves a version to `stage`. With `archiveExisting` and a target of `Staging` or `Production`,
 * the model's other versions in that stage move to `Archived` (MLflow's
 * `archive_existing_versions`). The versions and the model get `updated_at = now`.
 */
export async function transitionStage(
  db: Db,
  input: { name: string; version: number; stage: ModelStage; archiveExisting: boolean; now: number },
): Promise<void> {
  const { name, version, stage, now } = input
  await writeTransaction(db, async (trx) => {
    await touchModel(trx, name, now)
    const moved = await trx
      .updateTable('registry_versions')
      .set({ stage, updated_at: now })
      .where('model', '=', name)
      .where('version', '=', version)
      .executeTakeFirst()
    if (Number(moved.numUpdatedRows) === 0) {
      throw new StrataError('NOT_FOUND', `model "${name}" has no version ${version}`, {
        details: { entity: 'modelVersion', name, version },
      })
    }
    if (input.archiveExisting && (stage === 'Staging' || stage === 'Production')) {
      await trx
        .updateTable('registry_versions')
        .set({ stage: 'Archived', updated_at: now })
        .where('model', '=', name)
        .where('version', '!=', version)
        .where('stage', '=', stage)
        .execute()
    }
  })
}

/**
 * The latest version per stage as MLflow's server computes it: versions in number order, the
 * highest of each stage kept, stages in the order first met; only `stages` (default all).
 */
export function latestPerStage(
  versions: readonly ModelVersion[],
  stages: readonly ModelStage[] = MODEL_STAGES,
) {
  const latest = new Map<ModelStage, ModelVersion>()
  for (const v of [...versions].sort((a, b) => a.version - b.version)) {
    const held = latest.get(v.stage)
    if (held === undefined || held.version < v.version) latest.set(v.stage, v)
  }
  return [...latest.values()].filter((v) => stages.includes(v.stage))
}

/**
 * Renames a registered model, carrying its versions (with their tags, stages and files), aliases
 * with their history, and tags along. `ALREADY_EXISTS` when `newName` is taken.
 */
export async function renameModel(db: Db, name: string, newName: string, now: number): Promise<void> {
  assertModelName(newName)
  await writeTransaction(db, async (trx) => {
    const model = await trx
      .selectFrom('registry_models')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst()
    if (model === undefined) throw modelNotFound(name)
    const taken = await trx
      .selectFrom('registry_models')
      .select('name')
      .where('name', '=', newName)
      .executeTakeFirst()
    if (taken !== undefined) {
      throw new StrataError('ALREADY_EXISTS', `Registered Model (name=${newName}) already exists.`, {
        details: { name: newName },
      })
    }
    // Rows referencing the model are copied under the new name before the old ones go, so the
    // foreign keys hold at every step on both SQLite and Postgres.
    await trx
      .insertInto('registry_models')
      .values({ ...model, name: newName, updated_at: now })
      .execute()
    const versions = await trx.selectFrom('registry_versions').selectAll().where('model', '=', name).execute()
    for (const v of versions) {
      await trx
        .insertInto('registry_versions')
        .values({ ...v, model: newName, updated_at: now })
        .execute()
    }
    for (const table of ['registry_version_tags', 'registry_aliases', 'registry_alias_events'] as const) {
      await trx.updateTable(table).set({ model: newName }).where('model', '=', name).execute()
    }
    await trx.updateTable('registry_model_tags').set({ model: newName }).where('model', '=', name).execute()
    await trx.deleteFrom('registry_versions').where('model', '=', name).execute()
    await trx.deleteFrom('registry_models').where('name', '=', name).execute()
  })
}
