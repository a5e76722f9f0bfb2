import { describe, expect, it } from 'vitest'
import { detectTableFormat, tableSource } from './index.js'

describe('detectTableFormat', () => {
  it.each([
    ['a.csv', 'csv'],
    ['dir/B.CSV', 'csv'],
    ['x.tsv', 'tsv'],
    ['x.parquet', 'parquet'],
    ['x.PQ', 'parquet'],
    ['x.json', 'json'],
    ['x.jsonl', 'jsonl'],
    ['x.ndjson', 'jsonl'],
    ['raw/2024.csv.gz', 'csv'],
    ['events.JSONL.GZ', 'jsonl'],
  ])('recognises %s as %s', (path, format) => {
    expect(detectTableFormat(path)).toBe(format)
  })

  it.each(['model.onnx', 'README', '.csv', 'dir.csv/file', 'x.parquet.gz', 'x.gz', 'csv'])(
    'treats %s as not tabular',
    (path) => {
      expect(detectTableFormat(path)).toBeUndefined()
    },
  )
})

describe('tableSource', () => {
  it('quotes the path so a quote in it cannot end the string', () => {
    const sql = tableSource("/tmp/it's'); DROP TABLE x; --.parquet", 'parquet')
    expect(sql).toBe("read_parquet('/tmp/it''s''); DROP TABLE x; --.parquet')")
  })

  it('reads CSV strictly: fixed dialect, header, no skipped, padded or commented lines', () => {
    const sql = tableSource('/d/a.csv', 'csv')
    for (const option of [
      "delim=','",
      `quote='"'`,
      'header=true',
      'strict_mode=true',
      'null_padding=false',
      'ignore_errors=false',
      "comment=''",
      'skip=0',
    ]) {
      expect(sql).toContain(option)
    }
    expect(tableSource('/d/a.tsv', 'tsv')).toContain("delim='\t'")
  })

  it('reads JSON as an array and JSON Lines as one value per line, with the given compression', () => {
    expect(tableSource('/d/a.json', 'json')).toBe("read_json('/d/a.json', format='array')")
    expect(tableSource('/d/a', 'jsonl', { compression: 'gzip' })).toBe(
      "read_json('/d/a', format='newline_delimited', compression='gzip')",
    )
    expect(tableSource('/d/a', 'csv', { compression: 'none', allVarchar: true })).toMatch(
      /compression='uncompressed', all_varchar=true\)$/,
    )
  })
})
