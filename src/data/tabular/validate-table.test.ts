import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DuckDbTableEngine } from '../../backends/table/index.js'
import { isStrataError } from '../../core/errors.js'
import { type DeclaredSchema, validateTable } from './index.js'

let engine: DuckDbTableEngine
let dir: string
let counter = 0

beforeAll(async () => {
  engine = await DuckDbTableEngine.open({})
  dir = await mkdtemp(join(tmpdir(), 'strata-validate-'))
})

afterAll(async () => {
  await engine?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function write(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, `${counter++}-${name}`)
  await writeFile(path, content)
  return path
}

const PEOPLE: DeclaredSchema = {
  columns: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'name', type: 'string', nullable: false },
    { name: 'age', type: 'int', min: 0, max: 120 },
    { name: 'status', type: 'string', enum: ['active', 'inactive'] },
  ],
}

describe('validateTable with duckdb', () => {
  it('names file, line, column, value and expectation for each bad CSV cell', async () => {
    const csv = [
      'id,name,age,status', // line 1: header
      '1,Ann,30,active',
      '2,Bob,41,active',
      '3,Cy,abc,active', // line 4: not an int
      '4,Di,25,inactive',
      '5,,33,active', // line 6: null name
      '6,Ed,150,active', // line 7: out of range
      '7,Flo,20,unknown', // line 8: not in the enum
      '8,Gus,-1,active', // line 9: below the minimum
      '',
    ].join('\n')
    const path = await write('people.csv', csv)
    const issues = await validateTable(engine, path, 'csv', PEOPLE, { file: 'raw/people.csv' })
    expect(issues).toEqual([
      {
        file: 'raw/people.csv',
        row: 4,
        column: 'age',
        value: 'abc',
        expected: 'int',
        message: 'raw/people.csv line 4, column "age": "abc" is not a valid int',
      },
      {
        file: 'raw/people.csv',
        row: 6,
        column: 'name',
        value: null,
        expected: 'a non-null value',
        message:
          'raw/people.csv line 6, column "name": the value is null (empty), but the column is not nullable',
      },
      {
        file: 'raw/people.csv',
        row: 7,
        column: 'age',
        value: 150,
        expected: 'a value from 0 to 120',
        message: 'raw/people.csv line 7, column "age": 150 is above the maximum 120',
      },
      {
        file: 'raw/people.csv',
        row: 8,
        column: 'status',
        value: 'unknown',
        expected: 'one of "active", "inactive"',
        message: 'raw/people.csv line 8, column "status": "unknown" is not one of "active", "inactive"',
      },
      {
        file: 'raw/people.csv',
        row: 9,
        column: 'age',
        value: -1,
        expected: 'a value from 0 to 120',
        message: 'raw/people.csv line 9, column "age": -1 is below the minimum 0',
      },
    ])
  })

  it('returns no issues for a conforming file', async () => {
    const path = await write('ok.csv', 'id,name,age,status\n1,Ann,30,active\n2,Bob,,inactive\n')
    expect(await validateTable(engine, path, 'csv', PEOPLE)).toEqual([])
  })

  it('counts physical lines across quoted newlines, blank lines and CRLF', async () => {
    const csv = [
      'id,name,age,status', // 1
      '1,"two\r\nlines",30,active', // 2-3
      '', // 4: blank, skipped by DuckDB
      '2,"a ""quoted"" name",x1,active', // 5
      '3,"x', // 6
      '', // 7 (inside the quoted value)
      'y",200,active', // 8
      '',
    ].join('\r\n')
    const path = await write('multi.csv', csv)
    const issues = await validateTable(engine, path, 'csv', PEOPLE)
    expect(issues.map((i) => [i.row, i.column, i.value])).toEqual([
      [5, 'age', 'x1'],
      [6, 'age', 200],
    ])
  })

  it('reports a row of NULL for a blank line in a one-column CSV at its line', async () => {
    const path = await write('one.csv', 'v\n1\n\n3\n')
    const issues = await validateTable(engine, path, 'csv', {
      columns: [{ name: 'v', type: 'int', nullable: false }],
    })
    expect(issues.map((i) => [i.row, i.column, i.expected])).toEqual([[3, 'v', 'a non-null value']])
  })

  it('reads TSV and gzip-compressed CSV without an extension', async () => {
    const tsv = await write('p.tsv', 'id\tname\tage\tstatus\n1\tA\t5\tactive\n2\tB\t5.5\tactive\n')
    expect((await validateTable(engine, tsv, 'tsv', PEOPLE)).map((i) => [i.row, i.value])).toEqual([
      [3, '5.5'],
    ])
    const gz = await write('blob', gzipSync('id,name,age,status\n1,A,5,active\n2,B,5,gone\n'))
    expect((await validateTable(engine, gz, 'csv', PEOPLE)).map((i) => [i.row, i.value])).toEqual([
      [3, 'gone'],
    ])
  })

  it('reports missing and undeclared columns, with a hint for a case mismatch', async () => {
    const path = await write('cols.csv', 'ID,name,status,extra\n1,A,active,x\n')
    const issues = await validateTable(engine, path, 'csv', PEOPLE, { file: 'f.csv' })
    expect(issues.map((i) => [i.row, i.column, i.expected])).toEqual([
      [null, 'id', 'a column "id"'],
      [null, 'age', 'a column "age"'],
      [null, 'ID', 'only declared columns'],
      [null, 'extra', 'only declared columns'],
    ])
    expect(issues[0]?.message).toBe(
      'f.csv: column "id" is missing (names are case-sensitive: the file has "ID"); the file has columns ID, name, status, extra',
    )
    const allowed = await validateTable(engine, path, 'csv', { ...PEOPLE, allowExtraColumns: true })
    expect(allowed.map((i) => i.column)).toEqual(['id', 'age'])
  })

  it('checks bool, date and timestamp text in CSV', async () => {
    const csv =
      'ok,day,at\ntrue,2024-01-31,2024-01-31 10:00:00\nyes,2024-02-30,2024-01-31T10:00:00Z\nF,2024-01-31 10:00,soon\n'
    const path = await write('types.csv', csv)
    const schema: DeclaredSchema = {
      columns: [
        { name: 'ok', type: 'bool' },
        { name: 'day', type: 'date' },
        { name: 'at', type: 'timestamp' },
      ],
    }
    const issues = await validateTable(engine, path, 'csv', schema)
    expect(issues.map((i) => [i.row, i.column, i.value])).toEqual([
      [3, 'ok', 'yes'],
      [3, 'day', '2024-02-30'],
      [4, 'day', '2024-01-31 10:00'],
      [4, 'at', 'soon'],
    ])
  })

  it('caps the issues at maxIssues, keeping the first in file order', async () => {
    const lines = ['id,name,age,status']
    for (let i = 0; i < 5000; i++) lines.push(`${i},n,${i % 2 === 0 ? 'bad' : '1'},active`)
    const path = await write('many.csv', `${lines.join('\n')}\n`)
    const issues = await validateTable(engine, path, 'csv', PEOPLE, { maxIssues: 4 })
    expect(issues.map((i) => i.row)).toEqual([2, 4, 6, 8])
    expect(await validateTable(engine, path, 'csv', PEOPLE)).toHaveLength(100)
  })

  it('numbers Parquet rows by index and checks typed columns', async () => {
    const path = join(dir, 'typed.parquet')
    await engine.writeParquet(
      `SELECT i AS id, i * 0.5 AS ratio, 'n' || i AS label, CASE WHEN i = 3 THEN NULL ELSE i END AS n FROM range(6) t(i)`,
      path,
    )
    const schema: DeclaredSchema = {
      columns: [
        { name: 'id', type: 'int', max: 4 },
        { name: 'ratio', type: 'int' },
        { name: 'label', type: 'int' },
        { name: 'n', type: 'float', nullable: false },
      ],
    }
    const issues = await validateTable(engine, path, 'parquet', schema, { file: 'd/typed.parquet' })
    expect(issues).toContainEqual({
      file: 'd/typed.parquet',
      row: null,
      column: 'label',
      value: 'VARCHAR',
      expected: 'int',
      message: 'd/typed.parquet: column "label" has type VARCHAR in the file; expected int',
    })
    expect(issues.filter((i) => i.row !== null).map((i) => [i.row, i.column, i.value])).toEqual([
      [2, 'ratio', 0.5],
      [4, 'ratio', 1.5],
      [4, 'n', null],
      [6, 'id', 5],
      [6, 'ratio', 2.5],
    ])
    expect(issues.find((i) => i.row === 6 && i.column === 'id')?.message).toBe(
      'd/typed.parquet row 6, column "id": 5 is above the maximum 4',
    )
  })

  it('checks JSON by JSON type, with lines for JSON Lines and rows for arrays', async () => {
    const records = ['{"id":1,"v":"a"}', '{"id":"2","v":1}', '{"id":2.5,"v":null}', '{"id":4,"v":"b"}']
    const schema: DeclaredSchema = {
      columns: [
        { name: 'id', type: 'int' },
        { name: 'v', type: 'string', nullable: false },
      ],
    }
    const jsonl = await write('e.jsonl', `${records[0]}\n\n${records.slice(1).join('\n')}\n`)
    expect(
      (await validateTable(engine, jsonl, 'jsonl', schema)).map((i) => [i.row, i.column, i.value]),
    ).toEqual([
      [3, 'id', '2'],
      [3, 'v', '1'],
      [4, 'id', '2.5'],
      [4, 'v', null],
    ])
    const json = await write('e.json', `[${records.join(',\n')}]`)
    const issues = await validateTable(engine, json, 'json', schema, { file: 'e.json' })
    expect(issues.map((i) => [i.row, i.column])).toEqual([
      [2, 'id'],
      [2, 'v'],
      [3, 'id'],
      [3, 'v'],
    ])
    expect(issues[0]?.message).toBe('e.json row 2, column "id": "2" is not a valid int')
  })

  it('rejects a malformed file and an invalid declaration instead of returning issues', async () => {
    const ragged = await write('ragged.csv', 'id,name\n1,a\n2,b,c\n')
    await expect(validateTable(engine, ragged, 'csv', PEOPLE, { file: 'r.csv' })).rejects.toSatisfy(
      (err) =>
        isStrataError(err, 'INVALID_ARGUMENT') &&
        err.message.startsWith('r.csv is not a valid CSV file (line 3)'),
    )
    const ok = await write('ok2.csv', 'id\n1\n')
    await expect(
      validateTable(engine, ok, 'csv', {
        columns: [{ name: 'id', type: 'text' }],
      } as unknown as DeclaredSchema),
    ).rejects.toSatisfy(
      (err) => isStrataError(err, 'INVALID_ARGUMENT') && /columns\[0\]\.type/.test(err.message),
    )
    const lines = ['a,b']
    for (let i = 0; i < 30_000; i++) lines.push(i === 29_000 ? 'x' : 'x,y')
    const lateRagged = await write('late-ragged.csv', `${lines.join('\n')}\n`)
    const strings: DeclaredSchema = {
      columns: [
        { name: 'a', type: 'string' },
        { name: 'b', type: 'string' },
      ],
    }
    await expect(validateTable(engine, lateRagged, 'csv', strings, { file: 'l.csv' })).rejects.toSatisfy(
      (err) =>
        isStrataError(err, 'INVALID_ARGUMENT') &&
        err.message.startsWith('l.csv is not a valid CSV file (line 29002)'),
    )
    await expect(validateTable(engine, ok, 'csv', PEOPLE, { maxIssues: 0 })).rejects.toSatisfy((err) =>
      isStrataError(err, 'INVALID_ARGUMENT'),
    )
  })

  it('reports the physical start line of every offending record (property)', async () => {
    const field = fc.oneof(
      fc.constantFrom('plain', '', 'a b'),
      fc.constantFrom('"q,uoted"', '"two\nlines"', '"three\n\nlines"', '"x""y"', '"\n"'),
    )
    const record = fc.record({ text: field, blanksBefore: fc.nat({ max: 2 }) })
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 1, maxLength: 25 }),
        fc.boolean(),
        async (records, crlf) => {
          const lines: string[] = ['line,text']
          for (const { text, blanksBefore } of records) {
            for (let b = 0; b < blanksBefore; b++) lines.push('')
            const start = lines.length + 1
            // Each record stores the line it starts on; a max of 0 makes every record offend.
            lines.push(...`${start},${text}`.split('\n'))
          }
          const newline = crlf ? '\r\n' : '\n'
          const path = await write('prop.csv', `${lines.join(newline)}${newline}`)
          const issues = await validateTable(
            engine,
            path,
            'csv',
            {
              columns: [
                { name: 'line', type: 'int', max: 0 },
                { name: 'text', type: 'string' },
              ],
            },
            { maxIssues: 1000 },
          )
          expect(issues).toHaveLength(records.length)
          for (const issue of issues) expect(issue.row).toBe(issue.value)
        },
      ),
      { numRuns: 40 },
    )
  })
})
