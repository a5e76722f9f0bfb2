import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { describeMetadata } from '../testing/metadata-fixture.js'
import { translateDbError } from './db-errors.js'
import type { MetadataDatabase } from './metadata-database.js'
import { type Migration, runMigrations } from './migrations.js'
import { openMetadataDatabase } from './open-metadata-database.js'
import { writeTransaction } from './write-transaction.js'

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

type Tables = { things: { id: string; n: number } }

const count = async (md: MetadataDatabase) => {
  const row = await md.db
    .withTables<Tables>()
    .selectFrom('things')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow()
  return row.count
}

describeMetadata('writeTransaction', (openFresh) => {
  it('commits on success, rolls back on throw, and counts as numbers', async () => {
    const md = await openFresh()
    await runMigrations(md, [createThings])
    const db = md.db.withTables<Tables>()
    const result = await writeTransaction(db, async (trx) => {
      await trx.insertInto('things').values({ id: 'kept', n: 1 }).execute()
      return 'done'
    })
    expect(result).toBe('done')
    await expect(
      writeTransaction(db, async (trx) => {
        await trx.insertInto('things').values({ id: 'lost', n: 2 }).execute()
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await count(md)).toBe(1)
    expect(typeof (await count(md))).toBe('number')
  })
})

describe('writeTransaction [sqlite, two connections]', () => {
  /** Two handles on one new SQLite file; the second waits for no lock (busy_timeout 0). */
  async function twoConnections() {
    const dir = mkdtempSync(join(tmpdir(), 'strata-write-tx-'))
    const location = join(dir, 'meta.db')
    const a = await openMetadataDatabase({ dialect: 'sqlite', location, url: 'sqlite:a' })
    await runMigrations(a, [createThings])
    const b = await openMetadataDatabase({ dialect: 'sqlite', location, url: 'sqlite:b' })
    await sql`pragma busy_timeout = 0`.execute(b.db)
    const writeFromB = (id: string) =>
      b.db
        .withTables<Tables>()
        .insertInto('things')
        .values({ id, n: 0 })
        .execute()
        .then(
          () => 'written',
          (err: unknown) => translateDbError(err, 'thing').code,
        )
    return {
      a,
      writeFromB,
      [Symbol.asyncDispose]: async () => {
        await a.close()
        await b.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }

  it('holds the write lock from its start, so no writer slips in between its read and its write', async () => {
    await using c = await twoConnections()
    const seen = await writeTransaction(c.a.db.withTables<Tables>(), async (trx) => {
      const before = await trx.selectFrom('things').select('id').execute()
      // Another connection's write is refused while the transaction is open, before it wrote anything.
      expect(await c.writeFromB('from-b')).toBe('UNAVAILABLE')
      await trx.insertInto('things').values({ id: 'from-a', n: before.length }).execute()
      return before.length
    })
    expect(seen).toBe(0)
    expect(await c.writeFromB('from-b')).toBe('written')
    expect(await count(c.a)).toBe(2)
  })

  it('is needed: a deferred transaction that read first cannot write after another connection did', async () => {
    await using c = await twoConnections()
    // The idiom writeTransaction replaces, shown failing: BEGIN (deferred), read, then write.
    const outcome = await c.a.db
      .withTables<Tables>()
      .transaction()
      .execute(async (trx) => {
        await trx.selectFrom('things').select('id').execute()
        expect(await c.writeFromB('from-b')).toBe('written')
        await trx.insertInto('things').values({ id: 'from-a', n: 0 }).execute()
      })
      .then(
        () => 'committed',
        (err: unknown) => (err as { code?: string }).code,
      )
    expect(outcome).toBe('SQLITE_BUSY_SNAPSHOT')
  })
})

describe('one way to write', () => {
  it('opens transactions only through writeTransaction (no .transaction() elsewhere in src/)', () => {
    const src = fileURLToPath(new URL('..', import.meta.url))
    const offenders = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== join('db', 'write-transaction.ts'))
      .filter((f) => /\.(transaction|startTransaction)\(\)/.test(readFileSync(join(src, f), 'utf8')))
    expect(offenders).toEqual([])
  })
})
