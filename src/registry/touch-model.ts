import type { Kysely } from 'kysely'
import type { RegistryTables } from './registry-migrations.js'
import { modelNotFound } from './version-registration.js'

/**
 * Sets a registered model's `updated_at` to `at` (with `changes`), or `NOT_FOUND`. Called first
 * in a `writeTransaction` that changes a model's aliases, tags or versions, it also serializes
 * those changes on Postgres: the `UPDATE` holds the model's row lock until commit, so a second
 * writer waits and then reads what the first wrote (on SQLite the transaction already holds the
 * database's write lock).
 */
export async function touchModel(
  db: Kysely<RegistryTables>,
  name: string,
  at: number,
  changes: { description?: string } = {},
): Promise<void> {
  const result = await db
    .updateTable('registry_models')
    .set({ ...changes, updated_at: at })
    .where('name', '=', name)
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) === 0) throw modelNotFound(name)
}
