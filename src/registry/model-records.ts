/** The metadata-database rows of registered models and their tags, written by {@link ModelRegistry}. */
import type { Kysely } from 'kysely'
import { writeTransaction } from '../db/index.js'
import type { RegistryTables } from './registry-migrations.js'
import { touchModel } from './touch-model.js'
import { modelNotFound } from './version-registration.js'

type Db = Kysely<RegistryTables>

/** A new registered model's row. */
export interface NewModel {
  name: string
  description: string
  createdBy: string
  at: number
  tags: Record<string, string>
}

/** Inserts a registered model with its tags in one transaction (a taken name fails on the key). */
export async function insertModel(db: Db, m: NewModel): Promise<void> {
  await writeTransaction(db, async (trx) => {
    await trx
      .insertInto('registry_models')
      .values({
        name: m.name,
        description: m.description,
        created_at: m.at,
        updated_at: m.at,
        created_by: m.createdBy,
        last_version: 0,
      })
      .execute()
    const tags = Object.entries(m.tags)
    if (tags.length > 0) {
      await trx
        .insertInto('registry_model_tags')
        .values(tags.map(([key, value]) => ({ model: m.name, key, value })))
        .execute()
    }
  })
}

/**
 * Deletes model `name` with its versions, tags, aliases and alias history in one transaction
 * (`NOT_FOUND` when there is no such model); returns where its versions' files are stored.
 */
export function deleteModelRows(
  db: Db,
  name: string,
): Promise<{ storage_prefix: string | null; files: string }[]> {
  return writeTransaction(db, async (trx) => {
    const rows = await trx
      .selectFrom('registry_versions')
      .select(['storage_prefix', 'files'])
      .where('model', '=', name)
      .execute()
    await trx.deleteFrom('registry_alias_events').where('model', '=', name).execute()
    await trx.deleteFrom('registry_aliases').where('model', '=', name).execute()
    await trx.deleteFrom('registry_version_tags').where('model', '=', name).execute()
    await trx.deleteFrom('registry_versions').where('model', '=', name).execute()
    await trx.deleteFrom('registry_model_tags').where('model', '=', name).execute()
    const deleted = await trx.deleteFrom('registry_models').where('name', '=', name).executeTakeFirst()
    if (Number(deleted.numDeletedRows) === 0) throw modelNotFound(name)
    return rows
  })
}

/** Sets (or replaces) tag `key` of model `name`, touching the model at `at`. */
export async function upsertModelTag(
  db: Db,
  name: string,
  key: string,
  value: string,
  at: number,
): Promise<void> {
  await writeTransaction(db, async (trx) => {
    await touchModel(trx, name, at)
    await trx
      .insertInto('registry_model_tags')
      .values({ model: name, key, value })
      .onConflict((oc) => oc.columns(['model', 'key']).doUpdateSet({ value }))
      .execute()
  })
}

/** Removes tag `key` of model `name` (a missing tag is fine), touching the model at `at`. */
export async function removeModelTag(db: Db, name: string, key: string, at: number): Promise<void> {
  await writeTransaction(db, async (trx) => {
    await touchModel(trx, name, at)
    await trx.deleteFrom('registry_model_tags').where('model', '=', name).where('key', '=', key).execute()
  })
}
