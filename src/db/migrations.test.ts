import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { isStrataError } from '../core/errors.js'
import { describeMetadata } from '../testing/metadata-fixture.js'
import { type Migration, runMigrations } from './migrations.js'

const createThings: Migration = {
  id: 'things/001-init',
  up: async (db) => {
    await db.schema
      .createTable('things')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('n', 'bigint', (c) => c.notNull())
      .execute()
  },
}
const addLabel: Migration = {
  id: 'things/002-label',
  up: async (db) => {
    await db.schema.alterTable('things').addColumn('label', 'text').execute()
  },
}

type Tables = { things: { id: string; n: number; label: string | null } }

describeMetadata('migration runner', (openFresh) => {
  it('applies pending migrations in id order and is idempotent', async () => {
    const md = await openFresh()
    const first = await runMigrations(md, [addLabel, createThings])
    expect(first.applied).toEqual(['things/001-init', 'things/002-label'])
    const again = await runMigrations(md, [createThings, addLabel])
    expect(again).toEqual({ applied: [], alreadyApplied: ['things/001-init', 'things/002-label'] })
    const db = md.db.withTables<Tables>()
    await db
      .insertInto('things')
      .values({ id: 'a', n: 2 ** 40, label: 'x' })
      .execute()
    const row = await db.selectFrom('things').selectAll().executeTakeFirstOrThrow()
    expect(row).toEqual({ id: 'a', n: 2 ** 40, label: 'x' })
  })

  it('rolls back every migration of a run when one fails', async () => {
    const md = await openFresh()
    const broken: Migration = {
      id: 'things/003-broken',
      up: async (db) => {
        await sql`select * from table_that_does_not_exist`.execute(db)
      },
    }
    const err = await runMigrations(md, [createThings, addLabel, broken]).catch((e: unknown) => e)
    expect(isStrataError(err, 'INTERNAL')).toBe(true)
    expect(String((err as Error).message)).toContain('things/003-broken')
    const db = md.db.withTables<{ strata_migrations: { id: string } }>()
    expect(await db.selectFrom('strata_migrations').select('id').execute()).toEqual([])
    // The table created by the first migration was rolled back too.
    const report = await runMigrations(md, [createThings, addLabel])
    expect(report.applied).toEqual(['things/001-init', 'things/002-label'])
  })

  it('serializes concurrent runners so each migration applies once', async () => {
    const md = await openFresh()
    let runs = 0
    const counted: Migration = {
      id: 'things/001-init',
      up: async (db, dialect) => {
        runs++
        await createThings.up(db, dialect)
      },
    }
    const reports = await Promise.all([runMigrations(md, [counted]), runMigrations(md, [counted])])
    expect(runs).toBe(1)
    expect(reports.flatMap((r) => r.applied)).toEqual(['things/001-init'])
  })

  it('rejects malformed and duplicate migration ids', async () => {
    const md = await openFresh()
    const bad = await runMigrations(md, [{ id: 'Init', up: async () => {} }]).catch((e: unknown) => e)
    expect(isStrataError(bad, 'INVALID_ARGUMENT')).toBe(true)
    const dup = await runMigrations(md, [createThings, createThings]).catch((e: unknown) => e)
    expect(isStrataError(dup, 'ALREADY_EXISTS')).toBe(true)
  })
})

describeMetadata('metadata errors', (openFresh) => {
  it('reports unique violations with a code both dialects share', async () => {
    const md = await openFresh()
    await runMigrations(md, [createThings])
    const db = md.db.withTables<Tables>()
    await db.insertInto('things').values({ id: 'a', n: 1 }).execute()
    const err = await db
      .insertInto('things')
      .values({ id: 'a', n: 2 })
      .execute()
      .catch((e: unknown) => e)
    const { isUniqueViolation } = await import('./db-errors.js')
    expect(isUniqueViolation(err)).toBe(true)
  })
})
