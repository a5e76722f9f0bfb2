import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { isStrataError } from '../core/errors.js'
import { translateDbError } from './db-errors.js'
import type { MetadataDatabase } from './metadata-database.js'
import { type Migration, runMigrations } from './migrations.js'
import { openMetadataDatabase } from './open-metadata-database.js'
import { writeTransaction } from './write-transaction.js'

const createNotes: Migration = {
  id: 'notes/001-init',
  up: async (db) => {
    await db.schema.createTable('notes').addColumn('body', 'text').execute()
  },
}
type Tables = { notes: { body: string } }

const dirs: string[] = []
const opened: MetadataDatabase[] = []
afterEach(async () => {
  for (const md of opened.splice(0)) await md.close().catch(() => {})
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function openIn(dir: string): Promise<MetadataDatabase> {
  const location = join(dir, 'meta.db')
  const md = await openMetadataDatabase({ dialect: 'sqlite', location, url: `sqlite:${location}` })
  opened.push(md)
  return md
}

async function freshProject(): Promise<{ dir: string; md: MetadataDatabase }> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-sqlite-faults-'))
  dirs.push(dir)
  const md = await openIn(dir)
  await runMigrations(md, [createNotes])
  return { dir, md }
}

const insert = (md: MetadataDatabase, body: string) =>
  writeTransaction(md.db.withTables<Tables>(), (trx) => trx.insertInto('notes').values({ body }).execute())

describe('SQLite metadata database faults', () => {
  it('reports a full disk as such, not as the failed rollback that follows it', async () => {
    const { md } = await freshProject()
    // SQLite's own page limit stands in for a full disk: the same SQLITE_FULL, rolled back by SQLite.
    const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(md.db)
    await sql.raw(`pragma max_page_count = ${rows[0]?.page_count ?? 1}`).execute(md.db)
    const err = await insert(md, 'x'.repeat(1_000_000)).catch((e: unknown) => e)
    expect((err as { code?: string }).code).toBe('SQLITE_FULL')
    const translated = translateDbError(err, 'note "big"')
    expect(translated.code).toBe('UNAVAILABLE')
    expect(translated.message).toMatch(/^note "big": the disk holding the metadata database is full/)
    expect(translated.message).not.toMatch(/cannot rollback/)
  })

  it('refuses writes once the database file is deleted or replaced under it, instead of losing them', async () => {
    const deleted = await freshProject()
    await insert(deleted.md, 'before')
    rmSync(deleted.dir, { recursive: true, force: true })
    const gone = await insert(deleted.md, 'after').catch((e: unknown) => e)
    expect(isStrataError(gone, 'UNAVAILABLE')).toBe(true)
    expect((gone as Error).message).toMatch(/meta\.db was deleted while this process had it open/)

    const replaced = await freshProject()
    renameSync(join(replaced.dir, 'meta.db'), join(replaced.dir, 'old.db'))
    writeFileSync(join(replaced.dir, 'meta.db'), '')
    const swapped = await insert(replaced.md, 'after').catch((e: unknown) => e)
    expect((swapped as Error).message).toMatch(/was replaced while this process had it open/)
  })

  it('opens an up-to-date project without the write lock, and a busy writer is UNAVAILABLE', async () => {
    const { dir, md } = await freshProject()
    await md.close()
    const writer = new Database(join(dir, 'meta.db'))
    writer.pragma('busy_timeout = 0')
    writer.exec('begin immediate')
    try {
      const reader = await openIn(dir)
      // Migrations are all applied: opening reads, and reads work beside the writer.
      expect(await runMigrations(reader, [createNotes])).toEqual({
        applied: [],
        alreadyApplied: ['notes/001-init'],
      })
      await sql`pragma busy_timeout = 50`.execute(reader.db)
      const busy = await runMigrations(reader, [
        createNotes,
        {
          id: 'notes/002-more',
          up: async (db) => db.schema.createTable('more').addColumn('x', 'text').execute(),
        },
      ]).catch((e: unknown) => e)
      expect(isStrataError(busy, 'UNAVAILABLE')).toBe(true)
      expect((busy as Error).message).toMatch(/locked by another writer/)
    } finally {
      writer.exec('rollback')
      writer.close()
    }
  })
})
