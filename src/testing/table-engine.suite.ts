import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Row, TableEngine } from '../ports/index.js'

/** Options for {@link describeTableEngine}. */
export interface TableEngineSuiteOptions {
  /** Backend name shown in every test name, e.g. `duckdb`. */
  name: string
  /** A fresh engine; the suite closes it when done. */
  create: () => TableEngine | Promise<TableEngine>
}

const CSV = [
  'id,name,score,active,joined',
  '1,Ada,9.5,true,2024-01-02 03:04:05',
  '2,"O\'Brien, ""Pat""",7.25,false,2024-02-03 00:00:00',
  '3,Linus,,true,2024-03-04 12:30:00',
  '',
].join('\n')

const EVENTS = [
  { id: 1, kind: 'click', tags: ['a', 'b'] },
  { id: 2, kind: 'view', tags: [] },
  { id: 3, kind: "it's", tags: ['c'] },
]

/** A SQL string literal for a path (the suite's temp dir contains a quote on purpose). */
function lit(path: string): string {
  return `'${path.replaceAll("'", "''")}'`
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected the call to reject, but it resolved')
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

/**
 * The TableEngine contract, over files the suite writes into a temp dir: CSV, JSON, JSON Lines
 * and Parquet (written by the engine's own `writeParquet`). The SQL is DuckDB's dialect
 * (`read_csv`, `read_json`, `read_parquet`, `parquet_metadata`, `range`), which any engine
 * behind this port is expected to speak for files.
 *
 * @example
 * describeTableEngine({ name: 'duckdb', create: () => DuckDbTableEngine.open() })
 */
export function describeTableEngine({ name, create }: TableEngineSuiteOptions): void {
  describe(`TableEngine conformance: ${name}`, () => {
    let engine: TableEngine
    let dir: string
    let csv: string
    let json: string
    let jsonl: string

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "strata-table-it's-"))
      csv = join(dir, 'people.csv')
      json = join(dir, 'events.json')
      jsonl = join(dir, 'events.jsonl')
      await writeFile(csv, CSV)
      await writeFile(json, JSON.stringify(EVENTS))
      await writeFile(jsonl, `${EVENTS.map((e) => JSON.stringify(e)).join('\n')}\n`)
      engine = await create()
    })

    afterAll(async () => {
      await engine?.close()
      if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    })

    it('reads a CSV file with typed columns, quoting and empty values', async () => {
      const { columns, rows } = await engine.query(`select * from read_csv(${lit(csv)}) order by id`)
      expect(columns).toEqual([
        { name: 'id', type: 'BIGINT' },
        { name: 'name', type: 'VARCHAR' },
        { name: 'score', type: 'DOUBLE' },
        { name: 'active', type: 'BOOLEAN' },
        { name: 'joined', type: 'TIMESTAMP' },
      ])
      expect(rows).toEqual([
        { id: 1n, name: 'Ada', score: 9.5, active: true, joined: new Date('2024-01-02T03:04:05Z') },
        {
          id: 2n,
          name: `O'Brien, "Pat"`,
          score: 7.25,
          active: false,
          joined: new Date('2024-02-03T00:00:00Z'),
        },
        { id: 3n, name: 'Linus', score: null, active: true, joined: new Date('2024-03-04T12:30:00Z') },
      ])
    })

    it('reads JSON arrays and JSON Lines to the same rows', async () => {
      const sql = (path: string) =>
        `select id::integer as id, kind, tags from read_json(${lit(path)}) order by id`
      const fromArray = await engine.query(sql(json))
      const fromLines = await engine.query(sql(jsonl))
      expect(fromArray.rows).toEqual(EVENTS)
      expect(fromLines.rows).toEqual(EVENTS)
      expect(fromArray.columns.map((c) => c.type)).toEqual(['INTEGER', 'VARCHAR', 'VARCHAR[]'])
    })

    it('writes Parquet with writeParquet and reads the same rows back', async () => {
      const parquet = join(dir, 'people.parquet')
      const written = await engine.writeParquet(`select * from read_csv(${lit(csv)})`, parquet)
      expect(written).toEqual({ rows: 3 })
      const original = await engine.query(`select * from read_csv(${lit(csv)}) order by id`)
      const back = await engine.query(`select * from read_parquet(${lit(parquet)}) order by id`)
      expect(back).toEqual(original)
      const viaPath = await engine.query(`select count(*)::integer as n from ${lit(parquet)}`)
      expect(viaPath.rows).toEqual([{ n: 3 }])
    })

    it('binds positional parameters, including strings with quotes, as values not SQL', async () => {
      const tricky = `O'Brien, "Pat"`
      const hit = await engine.query('select id from read_csv($1) where name = $2', [csv, tricky])
      expect(hit.rows).toEqual([{ id: 2n }])
      const injection = `x'; select 1; --`
      const when = new Date('2024-05-06T07:08:09.123Z')
      const { rows } = await engine.query(
        'select $1 as s, $2 as inj, $3 as i, $4 as f, $5 as b, $6 as big, $7 as t, $8 as n, $9 as l',
        [tricky, injection, 7, 1.5, true, 2n ** 60n, when, null, [1, 2]],
      )
      expect(rows).toEqual([
        { s: tricky, inj: injection, i: 7, f: 1.5, b: true, big: 2n ** 60n, t: when, n: null, l: [1, 2] },
      ])
      const missing = await rejectionOf(engine.query('select $1::integer + $2::integer as x', [1]))
      expect(missing).toMatchObject({ code: 'INVALID_ARGUMENT' })
    })

    it('maps result types to plain JS values', async () => {
      const { columns, rows } = await engine.query(
        `select 42::integer as i, 9007199254740993::bigint as b, 0.25::double as d, 'x'::varchar as v,
           true as t, timestamp '2024-05-06 07:08:09.123' as ts, null::integer as n, [1, 2, 3] as l`,
      )
      expect(columns.map((c) => c.type)).toEqual([
        'INTEGER',
        'BIGINT',
        'DOUBLE',
        'VARCHAR',
        'BOOLEAN',
        'TIMESTAMP',
        'INTEGER',
        'INTEGER[]',
      ])
      const row = rows[0] as Row
      expect(row).toEqual({
        i: 42,
        b: 9007199254740993n,
        d: 0.25,
        v: 'x',
        t: true,
        ts: new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 123)),
        n: null,
        l: [1, 2, 3],
      })
      expect(typeof row.i).toBe('number')
      expect(typeof row.b).toBe('bigint')
      expect(row.ts).toBeInstanceOf(Date)
    })

    it('streams 100k rows in several batches that add up', async () => {
      const batches = await collect(engine.streamRows('select range as i from range(100000)'))
      expect(batches.length).toBeGreaterThan(1)
      let count = 0
      let sum = 0n
      for (const batch of batches) {
        expect(batch.length).toBeGreaterThan(0)
        expect(batch.length).toBeLessThan(100_000)
        count += batch.length
        for (const row of batch) sum += BigInt(row.i as bigint)
      }
      expect(count).toBe(100_000)
      expect(sum).toBe(4_999_950_000n)
    })

    it('releases a stream left early, so later queries and streams still work', async () => {
      const memory = 'select coalesce(sum(memory_usage_bytes), 0)::double as bytes from duckdb_memory()'
      const before = Number((await engine.query(memory)).rows[0]?.bytes)
      // Each sorted stream holds tens of MB until released.
      const sorted = 'select range as i, random() as r from range(1000000) order by r'
      for (let i = 0; i < 5; i++) {
        for await (const batch of engine.streamRows(sorted)) {
          expect(batch.length).toBeGreaterThan(0)
          break
        }
        for await (const batch of engine.streamColumns(sorted)) {
          expect(batch.rowCount).toBeGreaterThan(0)
          break
        }
      }
      const after = Number((await engine.query(memory)).rows[0]?.bytes)
      expect(after - before).toBeLessThan(32 * 1024 * 1024)
      expect((await engine.query('select 1 as one')).rows).toEqual([{ one: 1 }])
      const batches = await collect(engine.streamRows('select range as i from range(100000)'))
      expect(batches.reduce((n, b) => n + b.length, 0)).toBe(100_000)
    })

    it('streams columns as equal-length arrays in column order', async () => {
      const sql = `select range as i, range * 2 as j, 'r' || range as s from range(5000)`
      let total = 0
      for await (const batch of engine.streamColumns(sql)) {
        expect(batch.columns.map((c) => c.name)).toEqual(['i', 'j', 's'])
        expect(batch.values).toHaveLength(3)
        for (const column of batch.values) expect(column).toHaveLength(batch.rowCount)
        const [is, js, ss] = batch.values as [bigint[], bigint[], string[]]
        for (let r = 0; r < batch.rowCount; r++) {
          expect(js[r]).toBe(is[r]! * 2n)
          expect(ss[r]).toBe(`r${is[r]}`)
        }
        total += batch.rowCount
      }
      expect(total).toBe(5000)
    })

    it('writeParquet returns the row count and honours compression and row group size', async () => {
      const path = join(dir, 'sized.parquet')
      const sql = 'select range as i, range % 7 as k from range(12345)'
      const written = await engine.writeParquet(sql, path, { compression: 'snappy', rowGroupSize: 2048 })
      expect(written).toEqual({ rows: 12345 })
      const meta = await engine.query(
        `select count(distinct row_group_id)::integer as groups, min(compression) as codec
           from parquet_metadata(${lit(path)})`,
      )
      expect(meta.rows[0]?.groups).toBeGreaterThan(1)
      expect(meta.rows[0]?.codec).toBe('SNAPPY')
      const back = await engine.query(`select count(*)::integer as n, sum(i)::double as s from ${lit(path)}`)
      expect(back.rows).toEqual([{ n: 12345, s: (12344 * 12345) / 2 }])
    })

    it('writeParquet is atomic: a failing query leaves no target and no temporary file', async () => {
      const out = join(dir, 'atomic')
      await mkdir(out)
      const target = join(out, 'part.parquet')
      // Fails part-way, after DuckDB has started writing rows.
      const failing = `select (case when range < 90000 then range::varchar else 'oops' end)::integer as i
                         from range(100000)`
      const fresh = await rejectionOf(engine.writeParquet(failing, target))
      expect(fresh).toMatchObject({ code: 'INVALID_ARGUMENT' })
      expect(await readdir(out)).toEqual([])

      await engine.writeParquet('select range as i from range(10)', target)
      const over = await rejectionOf(engine.writeParquet(failing, target))
      expect(over).toMatchObject({ code: 'INVALID_ARGUMENT' })
      expect(await readdir(out)).toEqual(['part.parquet'])
      const kept = await engine.query(`select count(*)::integer as n from ${lit(target)}`)
      expect(kept.rows).toEqual([{ n: 10 }])
    })

    it('rejects bad SQL with INVALID_ARGUMENT carrying the engine message', async () => {
      const err = await rejectionOf(engine.query('selec 1'))
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' })
      expect((err as Error).message).toContain('selec')
      const streamed = await rejectionOf(collect(engine.streamRows('select nope from range(3)')))
      expect(streamed).toMatchObject({ code: 'INVALID_ARGUMENT' })
      const written = await rejectionOf(engine.writeParquet('selec 1', join(dir, 'never.parquet')))
      expect(written).toMatchObject({ code: 'INVALID_ARGUMENT' })
    })

    it('rejects a missing file with NOT_FOUND naming the path', async () => {
      for (const reader of ['read_parquet', 'read_csv', 'read_json']) {
        const missing = join(dir, `missing-${reader}.file`)
        const err = await rejectionOf(engine.query(`select * from ${reader}(${lit(missing)})`))
        expect(err).toMatchObject({ code: 'NOT_FOUND' })
        expect((err as Error).message).toContain(missing)
      }
      const target = join(dir, 'from-missing.parquet')
      const written = await rejectionOf(
        engine.writeParquet(`select * from ${lit(join(dir, 'x.parquet'))}`, target),
      )
      expect(written).toMatchObject({ code: 'NOT_FOUND' })
      expect((await readdir(dir)).filter((f) => f.includes('from-missing'))).toEqual([])
      const streamed = await rejectionOf(
        collect(engine.streamRows('select * from read_csv($1)', [`${dir}/no.csv`])),
      )
      expect(streamed).toMatchObject({ code: 'NOT_FOUND' })
    })

    it('runs concurrent queries and streams from Promise.all correctly', async () => {
      const queries = Array.from({ length: 24 }, (_, i) =>
        engine.query('select $1::integer as k, count(*)::integer as n from range($2::integer)', [
          i,
          i * 1000,
        ]),
      )
      const results = await Promise.all(queries)
      expect(results.map((r) => r.rows)).toEqual(results.map((_, i) => [{ k: i, n: i * 1000 }]))
      const streams = await Promise.all(
        [30_000, 50_000, 70_000].map(async (n) => {
          let count = 0
          for await (const batch of engine.streamRows('select range from range($1::integer)', [n])) {
            count += batch.length
          }
          return count
        }),
      )
      expect(streams).toEqual([30_000, 50_000, 70_000])
    })

    it('reports a non-empty version', async () => {
      const version = await engine.version()
      expect(typeof version).toBe('string')
      expect(version.trim().length).toBeGreaterThan(0)
    })
  })
}
