/** The metadata-database rows of model versions and their tags, and the files they name. */
import type { Kysely, Selectable } from 'kysely'
import { StrataError } from '../core/errors.js'
import { writeTransaction } from '../db/index.js'
import type { BlobStore } from '../ports/index.js'
import type { AliasBook } from './alias-book.js'
import type { RegistryTables } from './registry-migrations.js'
import type { ModelFile, ModelVersion } from './registry-types.js'
import { touchModel } from './touch-model.js'

type Db = Kysely<RegistryTables>
type VersionRow = Selectable<RegistryTables['registry_versions']>

/** The row of version `version` of model `name`, if there is one. */
export function findVersionRow(db: Db, name: string, version: number): Promise<VersionRow | undefined> {
  return db
    .selectFrom('registry_versions')
    .selectAll()
    .where('model', '=', name)
    .where('version', '=', version)
    .executeTakeFirst()
}

/** Every version row of model `name`, newest first. */
export function versionRows(db: Db, name: string): Promise<VersionRow[]> {
  return db
    .selectFrom('registry_versions')
    .selectAll()
    .where('model', '=', name)
    .orderBy('version', 'desc')
    .execute()
}

/** Sets a version's description, with `updated_at` = `at`. */
export async function updateVersionDescription(
  db: Db,
  name: string,
  version: number,
  description: string,
  at: number,
): Promise<void> {
  await db
    .updateTable('registry_versions')
    .set({ description, updated_at: at })
    .where('model', '=', name)
    .where('version', '=', version)
    .execute()
}

/**
 * Deletes a version's row and tags in one transaction, touching the model at `at`; the aliases
 * pointing at it are removed by `aliases`, recorded as moves by `actor`.
 */
export async function deleteVersionRows(
  db: Db,
  aliases: AliasBook,
  name: string,
  version: number,
  actor: string,
  at: number,
): Promise<void> {
  await writeTransaction(db, async (trx) => {
    await touchModel(trx, name, at)
    await aliases.dropVersion(trx, name, version, actor)
    await trx
      .deleteFrom('registry_version_tags')
      .where('model', '=', name)
      .where('version', '=', version)
      .execute()
    await trx
      .deleteFrom('registry_versions')
      .where('model', '=', name)
      .where('version', '=', version)
      .execute()
  })
}

/** Sets (or replaces) tag `key` of a version. */
export async function upsertVersionTag(
  db: Db,
  name: string,
  version: number,
  key: string,
  value: string,
): Promise<void> {
  await db
    .insertInto('registry_version_tags')
    .values({ model: name, version, key, value })
    .onConflict((oc) => oc.columns(['model', 'version', 'key']).doUpdateSet({ value }))
    .execute()
}

/** Removes tag `key` of a version (a missing tag is fine). */
export async function removeVersionTag(db: Db, name: string, version: number, key: string): Promise<void> {
  await db
    .deleteFrom('registry_version_tags')
    .where('model', '=', name)
    .where('version', '=', version)
    .where('key', '=', key)
    .execute()
}

/**
 * The stored file `path` of `v` (version `version` of model `name`) (default: its first file): `NOT_FOUND` for a file the
 * version does not have, `FAILED_PRECONDITION` while the version is not `READY`.
 */
export function storedFile(
  v: ModelVersion,
  name: string,
  version: number,
  path: string | undefined,
): { file: ModelFile; key: string } {
  const file = path === undefined ? v.files[0] : v.files.find((f) => f.path === path)
  if (file === undefined || v.storagePrefix === null) {
    const have = v.files.map((f) => f.path).join(', ') || 'none'
    throw new StrataError(
      'NOT_FOUND',
      `model "${name}" version ${version} has no file ${path === undefined ? '' : `"${path}" `}(files: ${have})`,
    )
  }
  if (v.status !== 'READY') {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `model "${name}" version ${version} is ${v.status}, not READY${v.statusMessage ? `: ${v.statusMessage}` : ''}`,
    )
  }
  return { file, key: `${v.storagePrefix}/${file.path}` }
}

/** Deletes the files (`filesJson`, a version's `files` column) stored under `prefix`. */
export async function deleteStoredFiles(
  blobs: BlobStore,
  prefix: string | null,
  filesJson: string,
): Promise<void> {
  if (prefix === null) return
  for (const f of JSON.parse(filesJson) as { path: string }[]) await blobs.delete(`${prefix}/${f.path}`)
}
