import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe } from 'vitest'
import { type MetadataDatabase, openMetadataDatabase } from '../db/index.js'
import { describeWithService } from './services.js'

/** Opens a fresh, empty metadata database of one dialect; each call gives a new one. */
export type OpenFreshMetadata = () => Promise<MetadataDatabase>

/**
 * Runs `body` once per metadata dialect: always on SQLite (a temp file), and on Postgres when
 * `STRATA_TEST_POSTGRES_URL` is set (each fresh database is a new schema, dropped afterwards).
 * The dialect appears in the test names, so domain suites prove they behave the same on both.
 *
 * @example
 * describeMetadata('runs', (openDb) => { it('creates a run', async () => { const md = await openDb(); … }) })
 */
export function describeMetadata(title: string, body: (openFresh: OpenFreshMetadata) => void): void {
  describe(`${title} [sqlite]`, () => {
    const dirs: string[] = []
    const open: MetadataDatabase[] = []
    afterAll(async () => {
      for (const md of open) await md.close().catch(() => {})
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
    })
    body(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'strata-meta-'))
      dirs.push(dir)
      const md = await openMetadataDatabase({
        dialect: 'sqlite',
        location: join(dir, 'meta.db'),
        url: 'sqlite:test',
      })
      open.push(md)
      return md
    })
  })
  describeWithService('postgres', `${title} [postgres]`, (url) => {
    const open: MetadataDatabase[] = []
    afterAll(async () => {
      for (const md of open) await md.close().catch(() => {})
    })
    const freshSchema = freshSchemaUrls(url, 't')
    body(async () => {
      const md = await openMetadataDatabase({
        dialect: 'postgres',
        location: await freshSchema(),
        url: 'postgres:test',
        poolSize: 4,
      })
      open.push(md)
      return md
    })
  })
}

/**
 * Inside a `describe` on Postgres: a function that creates a new, empty schema named
 * `<prefix>_<random>` on `url` and returns `url` with it as the search path. Every schema it
 * created is dropped after the suite (registered with `afterAll`).
 *
 * @example
 * const freshSchema = freshSchemaUrls(url, 'loop'); suite(() => freshSchema())
 */
export function freshSchemaUrls(url: string, prefix: string): () => Promise<string> {
  const schemas: string[] = []
  afterAll(async () => {
    if (schemas.length === 0) return
    const admin = await openMetadataDatabase({ dialect: 'postgres', location: url, url: 'postgres:test' })
    const { sql } = await import('kysely')
    for (const schema of schemas) await sql.raw(`drop schema if exists "${schema}" cascade`).execute(admin.db)
    await admin.close()
  })
  return async () => {
    const schema = `${prefix}_${randomBytes(6).toString('hex')}`
    const admin = await openMetadataDatabase({ dialect: 'postgres', location: url, url: 'postgres:test' })
    const { sql } = await import('kysely')
    await sql.raw(`create schema "${schema}"`).execute(admin.db)
    await admin.close()
    schemas.push(schema)
    return withSearchPath(url, schema)
  }
}

/** A Postgres URL whose sessions use `schema` as their search path. */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url)
  u.searchParams.set('options', `-c search_path=${schema}`)
  return u.toString()
}
