import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DuckDbTableEngine } from '../../backends/table/index.js'
import { isStrataError, type StrataError } from '../../core/errors.js'
import { inferTableSchema, type TableFormat } from './index.js'

let engine: DuckDbTableEngine
let dir: string

beforeAll(async () => {
  engine = await DuckDbTableEngine.open({})
  // A quote in the directory name proves paths are quoted safely.
  dir = await mkdtemp(join(tmpdir(), "strata-tabular-it's-"))
})

afterAll(async () => {
  await engine?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function write(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name)
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

const CSV = 'id,name,score,active\n1,Ada,9.5,true\n2,"O\'Brien, ""Pat""",,false\n3,Linus,7.25,true\n'

describe('inferTableSchema with duckdb', () => {
  it('infers a CSV: types, row count and which columns hold nulls', async () => {
    const path = await write('people.csv', CSV)
    expect(await inferTableSchema(engine, path, 'csv')).toEqual({
      format: 'csv',
      rows: 3,
      columns: [
        { name: 'id', type: 'BIGINT', nullable: false },
        { name: 'name', type: 'VARCHAR', nullable: false },
        { name: 'score', type: 'DOUBLE', nullable: true },
        { name: 'active', type: 'BOOLEAN', nullable: false },
      ],
    })
  })

  it('infers a TSV', async () => {
    const path = await write('people.tsv', 'id\tcity\n1\tOslo\n2\t\n')
    expect(await inferTableSchema(engine, path, 'tsv')).toEqual({
      format: 'tsv',
      rows: 2,
      columns: [
        { name: 'id', type: 'BIGINT', nullable: false },
        { name: 'city', type: 'VARCHAR', nullable: true },
      ],
    })
  })

  it('infers Parquet written by the engine', async () => {
    const path = join(dir, 'events.parquet')
    await engine.writeParquet(
      "SELECT i AS id, 'k' || i AS key, CASE WHEN i % 2 = 0 THEN NULL ELSE i * 1.5 END::DOUBLE AS v FROM range(10) t(i)",
      path,
    )
    expect(await inferTableSchema(engine, path, 'parquet')).toEqual({
      format: 'parquet',
      rows: 10,
      columns: [
        { name: 'id', type: 'BIGINT', nullable: false },
        { name: 'key', type: 'VARCHAR', nullable: false },
        { name: 'v', type: 'DOUBLE', nullable: true },
      ],
    })
  })

  it('infers a JSON array and JSON Lines', async () => {
    const records = [
      { id: 1, tags: ['a'], at: '2024-01-02T03:04:05' },
      { id: 2, tags: [], at: null },
    ]
    const json = await write('events.json', JSON.stringify(records))
    const jsonl = await write('events.jsonl', `${records.map((r) => JSON.stringify(r)).join('\n')}\n`)
    const expected = (format: TableFormat) => ({
      format,
      rows: 2,
      columns: [
        { name: 'id', type: 'BIGINT', nullable: false },
        { name: 'tags', type: 'VARCHAR[]', nullable: false },
        { name: 'at', type: 'TIMESTAMP', nullable: true },
      ],
    })
    expect(await inferTableSchema(engine, json, 'json')).toEqual(expected('json'))
    expect(await inferTableSchema(engine, jsonl, 'jsonl')).toEqual(expected('jsonl'))
  })

  it('reads gzip-compressed CSV, also from a path without an extension', async () => {
    const gz = gzipSync(Buffer.from(CSV))
    for (const name of ['people.csv.gz', 'sha256-abcdef']) {
      const schema = await inferTableSchema(engine, await write(name, gz), 'csv')
      expect(schema.rows).toBe(3)
      expect(schema.columns.map((c) => c.name)).toEqual(['id', 'name', 'score', 'active'])
    }
  })

  it('detects types from every row when a late value does not fit the sampled type', async () => {
    const lines = ['id,code']
    for (let i = 0; i < 30_000; i++) lines.push(`${i},${i === 25_000 ? 'X-1' : i}`)
    const path = await write('late.csv', `${lines.join('\n')}\n`)
    const schema = await inferTableSchema(engine, path, 'csv')
    expect(schema.rows).toBe(30_000)
    expect(schema.columns).toEqual([
      { name: 'id', type: 'BIGINT', nullable: false },
      { name: 'code', type: 'VARCHAR', nullable: false },
    ])
  })

  it('detects JSON Lines types from every row when a late value or key does not fit the sample', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => (i === 25_000 ? '{"a":"x","b":1}' : `{"a":${i}}`))
    const schema = await inferTableSchema(engine, await write('late.jsonl', `${rows.join('\n')}\n`), 'jsonl')
    expect(schema).toEqual({
      format: 'jsonl',
      rows: 30_000,
      columns: [
        { name: 'a', type: 'JSON', nullable: false },
        { name: 'b', type: 'BIGINT', nullable: true },
      ],
    })
  })

  it('does not skip comment-like or preamble lines of a CSV', async () => {
    const path = await write('hash.csv', 'id,name\n1,a\n#2,b\n3,c\n')
    const schema = await inferTableSchema(engine, path, 'csv')
    expect(schema.rows).toBe(3)
    expect(schema.columns[0]).toEqual({ name: 'id', type: 'VARCHAR', nullable: false })
  })

  it.each([
    ['a ragged row', 'id,name\n1,a\n2,b,extra\n3,c\n', 3, 'expected 2 columns, found 3'],
    ['a short row', 'id,name\n1,a\n2,b\n3\n', 4, 'expected 2 columns, found 1'],
    ['an unterminated quote', 'id,name\n1,a\n2,"b\n3,c\n', 3, 'a quoted value is never closed'],
    ['a preamble line', 'exported by tool\nid,name\n1,a\n', 2, 'expected 1 columns, found 2'],
    ['text after a closing quote', 'id,name\n1,a\n2,"p"q\n3,z\n', 3, '2,\\"p\\"q'],
  ])('rejects a CSV with %s, naming the file and the line', async (_, content, line, reason) => {
    const path = await write('bad.csv', content)
    const err = await rejection(inferTableSchema(engine, path, 'csv', { file: 'raw/bad.csv' }))
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toContain(`raw/bad.csv is not a valid CSV file${line ? ` (line ${line})` : ''}`)
    expect(err.message).toContain(reason)
    expect(err.details).toMatchObject({ file: 'raw/bad.csv', format: 'csv', line })
  })

  it('rejects a CSV mixing CRLF and LF line endings, saying so', async () => {
    const path = await write('mixed.csv', 'id,name\r\n1,a\n2,b\r\n')
    const err = await rejection(inferTableSchema(engine, path, 'csv', { file: 'm.csv' }))
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toBe(
      'm.csv is not a valid CSV file: the file mixes CRLF and LF line endings; convert it to one of them',
    )
  })

  it('rejects a ragged row far past the sniffing sample with its line', async () => {
    const lines = ['a,b,c']
    for (let i = 0; i < 50_000; i++) lines.push(i === 40_000 ? `${i},x` : `${i},x,y`)
    const path = await write('big-ragged.csv', `${lines.join('\n')}\n`)
    const err = await rejection(inferTableSchema(engine, path, 'csv'))
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toContain(`${path} is not a valid CSV file (line 40002): expected 3 columns, found 2`)
  })

  it('rejects truncated and corrupt Parquet, naming the file', async () => {
    const good = join(dir, 'good.parquet')
    await engine.writeParquet('SELECT i AS id, i * 2 AS v FROM range(5000) t(i)', good)
    const bytes = await readFile(good)
    const truncated = await write('truncated.parquet', bytes.subarray(0, Math.floor(bytes.length / 2)))
    const corrupt = Buffer.from(bytes)
    corrupt.fill(0x41, 4, corrupt.length - 8) // keep the magic bytes, garble the rest
    const garbled = await write('garbled.parquet', corrupt)
    for (const [path, name] of [
      [truncated, 'data/truncated.parquet'],
      [garbled, 'data/garbled.parquet'],
    ] as const) {
      const err = await rejection(inferTableSchema(engine, path, 'parquet', { file: name }))
      expect(err.code).toBe('INVALID_ARGUMENT')
      expect(err.message).toMatch(new RegExp(`^${name} is not a valid Parquet file: `))
    }
  })

  it('rejects invalid JSON and JSON Lines with the reason and line', async () => {
    const jsonl = await write('bad.jsonl', '{"a":1}\n\n{"a":nope}\n{"a":3}\n')
    const err = await rejection(inferTableSchema(engine, jsonl, 'jsonl', { file: 'e/bad.jsonl' }))
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toContain('e/bad.jsonl is not a valid JSON Lines file (line 3): invalid JSON: ')
    expect(err.details).toMatchObject({ line: 3 })
    expect(err.message).not.toContain(jsonl)

    const json = await write('bad.json', '[{"a":1},{"a":')
    const arrayErr = await rejection(inferTableSchema(engine, json, 'json'))
    expect(arrayErr.code).toBe('INVALID_ARGUMENT')
    expect(arrayErr.message).toContain(`${json} is not a valid JSON file: Malformed JSON`)

    const notArray = await write('lines.json', '{"a":1}\n{"a":2}\n')
    const layoutErr = await rejection(inferTableSchema(engine, notArray, 'json'))
    expect(layoutErr.message).toContain('Expected top-level JSON array')
  })

  it('rejects a missing file with NOT_FOUND', async () => {
    const err = await rejection(inferTableSchema(engine, join(dir, 'nope.csv'), 'csv'))
    expect(err.code).toBe('NOT_FOUND')
    expect(err.message).toContain('nope.csv')
  })
})
