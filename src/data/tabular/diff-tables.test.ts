import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DuckDbTableEngine } from '../../backends/table/index.js'
import { isStrataError, type StrataError } from '../../core/errors.js'
import { diffTables } from './index.js'

let engine: DuckDbTableEngine
let dir: string
let counter = 0

beforeAll(async () => {
  engine = await DuckDbTableEngine.open({})
  dir = await mkdtemp(join(tmpdir(), 'strata-diff-'))
})

afterAll(async () => {
  await engine?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function write(name: string, content: string): Promise<string> {
  const path = join(dir, `${counter++}-${name}`)
  await writeFile(path, content)
  return path
}

async function rejection(promise: Promise<unknown>): Promise<StrataError> {
  try {
    await promise
  } catch (err) {
    if (isStrataError(err)) return err
    throw err
  }
  throw new Error('expected a rejection, but the call resolved')
}

const BEFORE = 'id,name,score,city\n1,Ann,10,Oslo\n2,Bob,20,Rome\n3,Cy,30,Paris\n4,Di,40,Lima\n'
const AFTER = 'id,name,score,country\n1,Ann,10.0,NO\n2,Bob,25.5,IT\n4,Dee,40.0,PE\n5,Eve,50.0,FR\n'

describe('diffTables with duckdb', () => {
  it('counts rows and lists schema changes without a key', async () => {
    const diff = await diffTables(engine, await write('a.csv', BEFORE), await write('b.csv', AFTER), 'csv')
    expect(diff).toEqual({
      rowsBefore: 4,
      rowsAfter: 4,
      schemaChanges: [
        { column: 'score', change: 'type', before: 'BIGINT', after: 'DOUBLE' },
        { column: 'city', change: 'removed', before: 'VARCHAR' },
        { column: 'country', change: 'added', after: 'VARCHAR' },
      ],
    })
  })

  it('summarises added, removed and changed rows by key, with samples', async () => {
    const diff = await diffTables(engine, await write('a.csv', BEFORE), await write('b.csv', AFTER), 'csv', {
      key: ['id'],
    })
    expect(diff.byKey).toEqual({
      key: ['id'],
      added: 1,
      removed: 1,
      changed: 2,
      unchanged: 1,
      samples: {
        added: [{ id: 5, name: 'Eve', score: 50, country: 'FR' }],
        removed: [{ id: 3, name: 'Cy', score: 30, city: 'Paris' }],
        changed: [
          {
            key: { id: 2 },
            before: { id: 2, name: 'Bob', score: 20, city: 'Rome' },
            after: { id: 2, name: 'Bob', score: 25.5, country: 'IT' },
            columns: ['score'],
          },
          {
            key: { id: 4 },
            before: { id: 4, name: 'Di', score: 40, city: 'Lima' },
            after: { id: 4, name: 'Dee', score: 40, country: 'PE' },
            columns: ['name'],
          },
        ],
      },
    })
  })

  it('matches composite keys in Parquet, null keys included, and limits samples', async () => {
    const a = join(dir, 'a.parquet')
    const b = join(dir, 'b.parquet')
    await engine.writeParquet(
      `SELECT * FROM (VALUES ('x', 1, 1.0), ('x', 2, 2.0), ('y', 1, 3.0), (NULL, 1, 4.0)) t(region, n, v)`,
      a,
    )
    await engine.writeParquet(
      `SELECT * FROM (VALUES ('x', 1, 1.0), ('x', 2, 2.5), ('z', 1, 5.0), ('z', 2, 6.0), (NULL, 1, 4.0)) t(region, n, v)`,
      b,
    )
    const diff = await diffTables(engine, a, b, 'parquet', { key: ['region', 'n'], sampleSize: 1 })
    expect(diff.rowsBefore).toBe(4)
    expect(diff.rowsAfter).toBe(5)
    expect(diff.schemaChanges).toEqual([])
    expect(diff.byKey).toMatchObject({ added: 2, removed: 1, changed: 1, unchanged: 2 })
    expect(diff.byKey?.samples.added).toEqual([{ region: 'z', n: 1, v: 5 }])
    expect(diff.byKey?.samples.changed).toEqual([
      {
        key: { region: 'x', n: 2 },
        before: { region: 'x', n: 2, v: 2 },
        after: { region: 'x', n: 2, v: 2.5 },
        columns: ['v'],
      },
    ])
  })

  it('rejects a key column missing in either file, naming the available columns', async () => {
    const a = await write('a.csv', BEFORE)
    const b = await write('b.csv', AFTER)
    const err = await rejection(
      diffTables(engine, a, b, 'csv', { key: ['city'], files: { after: 'v2/people.csv' } }),
    )
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toBe(
      'key column "city" is not in v2/people.csv; its columns are id, name, score, country',
    )
    const none = await rejection(diffTables(engine, a, b, 'csv', { key: [] }))
    expect(none.code).toBe('INVALID_ARGUMENT')
  })

  it('rejects duplicate keys with an example', async () => {
    const a = await write('a.csv', BEFORE)
    const b = await write('dup.csv', 'id,name\n1,a\n2,b\n2,c\n')
    const err = await rejection(diffTables(engine, a, b, 'csv', { key: ['id'], files: { after: 'dup.csv' } }))
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toBe(
      'key (id) is not unique in dup.csv: id=2 appears in 2 rows; pick key columns that identify one row',
    )
  })

  it('rejects a malformed file, naming it', async () => {
    const a = await write('a.csv', BEFORE)
    const b = await write('bad.csv', 'id,name\n1,a\n2,b,c\n')
    const err = await rejection(diffTables(engine, a, b, 'csv', { key: ['id'], files: { after: 'new.csv' } }))
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toContain('new.csv is not a valid CSV file (line 3)')
  })

  it('counts by key as a naive comparison does (property)', async () => {
    const value = fc.option(fc.integer({ min: 0, max: 3 }), { nil: null })
    const table = fc.uniqueArray(fc.record({ id: fc.integer({ min: 0, max: 30 }), u: value, w: value }), {
      selector: (row) => row.id,
      maxLength: 25,
    })
    const csv = (rows: { id: number; u: number | null; w: number | null }[]) =>
      `id,u,w\n${rows.map((r) => `${r.id},${r.u ?? ''},${r.w ?? ''}`).join('\n')}\n`
    await fc.assert(
      fc.asyncProperty(table, table, async (before, after) => {
        const diff = await diffTables(
          engine,
          await write('p.csv', csv(before)),
          await write('q.csv', csv(after)),
          'csv',
          {
            key: ['id'],
            sampleSize: 3,
          },
        )
        const old = new Map(before.map((r) => [r.id, r]))
        const now = new Map(after.map((r) => [r.id, r]))
        const added = after.filter((r) => !old.has(r.id)).map((r) => r.id)
        const removed = before.filter((r) => !now.has(r.id)).map((r) => r.id)
        const common = after.filter((r) => old.has(r.id))
        const changed = common
          .filter((r) => r.u !== old.get(r.id)?.u || r.w !== old.get(r.id)?.w)
          .map((r) => r.id)
        expect(diff.rowsBefore).toBe(before.length)
        expect(diff.rowsAfter).toBe(after.length)
        expect(diff.byKey).toMatchObject({
          added: added.length,
          removed: removed.length,
          changed: changed.length,
          unchanged: common.length - changed.length,
        })
        const smallest = (ids: number[]) => [...ids].sort((x, y) => x - y).slice(0, 3)
        expect(diff.byKey?.samples.added.map((r) => r.id)).toEqual(smallest(added))
        expect(diff.byKey?.samples.removed.map((r) => r.id)).toEqual(smallest(removed))
        expect(diff.byKey?.samples.changed.map((c) => c.key.id)).toEqual(smallest(changed))
      }),
      { numRuns: 60 },
    )
  })
})
