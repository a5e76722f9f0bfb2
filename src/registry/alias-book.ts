import type { Kysely, Selectable } from 'kysely'
import { StrataError } from '../core/errors.js'
import { translateDbError, writeTransaction } from '../db/index.js'
import type { RegistryTables } from './registry-migrations.js'
import { assertAlias, assertModelName, assertVersion } from './registry-names.js'
import type { AliasEvent, ModelVersion, RegisteredModel } from './registry-types.js'
import { touchModel } from './touch-model.js'

type Db = Kysely<RegistryTables>

function toEvent(r: Selectable<RegistryTables['registry_alias_events']>): AliasEvent {
  return {
    id: Number(r.id),
    name: r.model,
    alias: r.alias,
    fromVersion: r.from_version === null ? null : Number(r.from_version),
    toVersion: r.to_version === null ? null : Number(r.to_version),
    actor: r.actor,
    reason: r.reason,
    at: Number(r.at),
  }
}

/**
 * Aliases of registered models and the append-only log of their moves. Every change runs in a
 * write transaction that first touches the model's row ({@link touchModel}), so concurrent moves
 * of one alias are serialized on both dialects and each event's `from` is the version the alias
 * really left.
 */
export class AliasBook {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly getVersion: (name: string, version: number) => Promise<ModelVersion>,
  ) {}

  private async append(
    trx: Db,
    e: {
      name: string
      alias: string
      from: number | null
      to: number | null
      actor: string | null
      reason: string | null
      at: number
    },
  ): Promise<AliasEvent> {
    const row = await trx
      .insertInto('registry_alias_events')
      .values({
        model: e.name,
        alias: e.alias,
        from_version: e.from,
        to_version: e.to,
        actor: e.actor,
        reason: e.reason,
        at: e.at,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toEvent(row)
  }

  private async transact<T>(what: string, fn: (trx: Db) => Promise<T>): Promise<T> {
    try {
      return await writeTransaction(this.db, fn)
    } catch (err) {
      throw translateDbError(err, what)
    }
  }

  /** Points an alias at a READY version; `null` when it already pointed there. */
  async set(
    name: string,
    alias: string,
    version: number,
    actor: string | null,
    reason: string | null,
  ): Promise<AliasEvent | null> {
    assertModelName(name)
    assertAlias(alias)
    assertVersion(version)
    const target = await this.getVersion(name, version)
    if (target.status !== 'READY') {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `model "${name}" version ${version} is ${target.status}, not READY; an alias can only point at a READY version`,
      )
    }
    const at = this.now()
    return this.transact(`alias "${alias}" of model "${name}"`, async (trx) => {
      await touchModel(trx, name, at)
      const current = await trx
        .selectFrom('registry_aliases')
        .select('version')
        .where('model', '=', name)
        .where('alias', '=', alias)
        .executeTakeFirst()
      const from = current === undefined ? null : Number(current.version)
      if (from === version) return null
      // The version may have been deleted since it was read; the foreign key would also refuse it.
      const still = await trx
        .selectFrom('registry_versions')
        .select('version')
        .where('model', '=', name)
        .where('version', '=', version)
        .executeTakeFirst()
      if (still === undefined) throw new StrataError('NOT_FOUND', `model "${name}" has no version ${version}`)
      await trx
        .insertInto('registry_aliases')
        .values({ model: name, alias, version, updated_at: at, updated_by: actor })
        .onConflict((oc) =>
          oc.columns(['model', 'alias']).doUpdateSet({ version, updated_at: at, updated_by: actor }),
        )
        .execute()
      return this.append(trx, { name, alias, from, to: version, actor, reason, at })
    })
  }

  /** Removes an alias; `NOT_FOUND` when it is not set. */
  async delete(
    name: string,
    alias: string,
    actor: string | null,
    reason: string | null,
  ): Promise<AliasEvent> {
    assertModelName(name)
    const at = this.now()
    return this.transact(`alias "${alias}" of model "${name}"`, async (trx) => {
      await touchModel(trx, name, at)
      const current = await trx
        .selectFrom('registry_aliases')
        .select('version')
        .where('model', '=', name)
        .where('alias', '=', alias)
        .executeTakeFirst()
      if (current === undefined) {
        throw new StrataError('NOT_FOUND', `model "${name}" has no alias "${alias}"`, {
          details: { name, alias },
        })
      }
      await trx.deleteFrom('registry_aliases').where('model', '=', name).where('alias', '=', alias).execute()
      return this.append(trx, { name, alias, from: Number(current.version), to: null, actor, reason, at })
    })
  }

  /** Inside a version's deletion: removes the aliases pointing at it, recording each removal. */
  async dropVersion(trx: Db, name: string, version: number, actor: string | null): Promise<void> {
    const at = this.now()
    const rows = await trx
      .selectFrom('registry_aliases')
      .select('alias')
      .where('model', '=', name)
      .where('version', '=', version)
      .execute()
    for (const r of rows) {
      await trx
        .deleteFrom('registry_aliases')
        .where('model', '=', name)
        .where('alias', '=', r.alias)
        .execute()
      await this.append(trx, {
        name,
        alias: r.alias,
        from: version,
        to: null,
        actor,
        reason: `version ${version} deleted`,
        at,
      })
    }
  }

  /** The version an alias points at. */
  async resolve(name: string, alias: string): Promise<ModelVersion> {
    const row = await this.db
      .selectFrom('registry_aliases')
      .select('version')
      .where('model', '=', name)
      .where('alias', '=', alias)
      .executeTakeFirst()
      .catch((err: unknown) => {
        throw translateDbError(err, 'alias')
      })
    if (row === undefined) {
      throw new StrataError('NOT_FOUND', `model "${name}" has no alias "${alias}"`, {
        details: { name, alias },
      })
    }
    return this.getVersion(name, Number(row.version))
  }

  /** Alias moves of a model (optionally one alias), oldest first. */
  async history(
    name: string,
    alias: string | undefined,
    ensureModel: () => Promise<RegisteredModel>,
  ): Promise<AliasEvent[]> {
    await ensureModel()
    let q = this.db.selectFrom('registry_alias_events').selectAll().where('model', '=', name)
    if (alias !== undefined) q = q.where('alias', '=', alias)
    const rows = await q
      .orderBy('id')
      .execute()
      .catch((err: unknown) => {
        throw translateDbError(err, 'alias history')
      })
    return rows.map(toEvent)
  }
}
