import { type Kysely, sql } from 'kysely'
import { StrataError } from '../core/errors.js'
import { translateDbError } from './db-errors.js'
import type { MetadataDatabase, MetadataDialect } from './metadata-database.js'
import { writeTransaction } from './write-transaction.js'

/**
 * One schema change owned by a domain. Ids are `<domain>/<NNN>-<name>` (e.g. `data/001-init`);
 * within a domain they apply in id order. A migration must only use SQL that both dialects
 * accept, or branch on `dialect`.
 */
export interface Migration {
  id: string
  up(db: Kysely<object>, dialect: MetadataDialect): Promise<void>
}

/** What {@link runMigrations} did. */
export interface MigrationReport {
  applied: string[]
  alreadyApplied: string[]
}

const MIGRATION_ID = /^[a-z][a-z0-9-]*\/\d{3}-[a-z0-9-]+$/

/**
 * Applies every pending migration, in one transaction: either all of them land or none does.
 * Idempotent (applied ids are recorded in `strata_migrations`) and safe when several processes
 * start at once: on Postgres an advisory lock serializes runners; on SQLite the write transaction
 * holds the database's write lock before the applied set is read.
 */
export async function runMigrations(
  metadata: MetadataDatabase,
  migrations: readonly Migration[],
): Promise<MigrationReport> {
  const seen = new Set<string>()
  for (const m of migrations) {
    if (!MIGRATION_ID.test(m.id)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `migration id "${m.id}" is invalid; expected "<domain>/<NNN>-<name>", e.g. "data/001-init"`,
      )
    }
    if (seen.has(m.id)) throw new StrataError('ALREADY_EXISTS', `migration id "${m.id}" is declared twice`)
    seen.add(m.id)
  }
  const ordered = [...migrations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const db = metadata.db.withTables<MigrationTables>()
  // Read first: a project that is up to date opens without taking the write lock, so read
  // commands work on a read-only copy and beside a long-running writer.
  const applied = await appliedIds(db)
  if (applied !== undefined && ordered.every((m) => applied.has(m.id))) {
    return { applied: [], alreadyApplied: ordered.map((m) => m.id) }
  }
  if (metadata.readOnly) {
    const pending = ordered.filter((m) => !applied?.has(m.id)).map((m) => m.id)
    throw new StrataError(
      'FAILED_PRECONDITION',
      `the metadata database ${metadata.url} is read-only and needs ${pending.length} migration(s) (${pending.slice(0, 3).join(', ')}${pending.length > 3 ? ', …' : ''}); open it once with write access to upgrade it`,
      { details: { pending } },
    )
  }
  await db.schema
    .createTable('strata_migrations')
    .ifNotExists()
    .addColumn('id', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute()
    .catch(ignoreConcurrentCreate)

  try {
    return await writeTransaction(db, async (trx) => {
      if (metadata.dialect === 'postgres') await sql`select pg_advisory_xact_lock(7355608)`.execute(trx)
      const rows = await trx.selectFrom('strata_migrations').select('id').execute()
      const done = new Set(rows.map((r) => r.id))
      const report: MigrationReport = { applied: [], alreadyApplied: [] }
      for (const m of ordered) {
        if (done.has(m.id)) {
          report.alreadyApplied.push(m.id)
          continue
        }
        try {
          await m.up(trx as unknown as Kysely<object>, metadata.dialect)
        } catch (err) {
          throw translateDbError(err, `migration ${m.id} failed on ${metadata.dialect}`)
        }
        await trx.insertInto('strata_migrations').values({ id: m.id, applied_at: Date.now() }).execute()
        report.applied.push(m.id)
      }
      return report
    })
  } catch (err) {
    throw translateDbError(err, 'migrations rolled back')
  }
}

/** The ids recorded in `strata_migrations`, or undefined when the table does not exist yet. */
async function appliedIds(db: Kysely<MigrationTables>): Promise<Set<string> | undefined> {
  try {
    const rows = await db.selectFrom('strata_migrations').select('id').execute()
    return new Set(rows.map((r) => r.id))
  } catch (err) {
    if (/no such table|does not exist/i.test((err as Error).message)) return undefined
    throw translateDbError(err, 'reading the applied migrations')
  }
}

type MigrationTables = {
  strata_migrations: { id: string; applied_at: number }
}

function ignoreConcurrentCreate(err: unknown): void {
  // Two Postgres sessions racing on CREATE TABLE IF NOT EXISTS can collide on the type catalog.
  const code = (err as { code?: string }).code
  if (code === '23505' || code === '42P07') return
  throw err
}
