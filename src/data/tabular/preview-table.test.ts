import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DuckDbTableEngine } from '../../backends/table/index.js'
import { previewTable } from './index.js'

let engine: DuckDbTableEngine
let dir: string

beforeAll(async () => {
  engine = await DuckDbTableEngine.open({})
  dir = await mkdtemp(join(tmpdir(), "strata-preview-it's-"))
})
afterAll(async () => {
  await engine?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('previewTable', () => {
  it('returns the columns with their types and the first rows as JSON values', async () => {
    const path = join(dir, 'trips.csv')
    await writeFile(path, `id,city,delay,big\n1,Paris,3.5,9007199254740993\n2,"<b>x</b>",,1\n3,Oslo,0,2\n`)
    const preview = await previewTable(engine, path, 'data/trips.csv', 2)
    expect(preview.format).toBe('csv')
    expect(preview.columns).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'city', type: 'VARCHAR' },
      { name: 'delay', type: 'DOUBLE' },
      { name: 'big', type: 'BIGINT' },
    ])
    // integers within 2^53 are numbers, beyond it exact text; nulls stay null
    expect(preview.rows).toEqual([
      [1, 'Paris', 3.5, '9007199254740993'],
      [2, '<b>x</b>', null, 1],
    ])
  })

  it('names the file and what is valid for a file that is not a table or a bad limit', async () => {
    await expect(previewTable(engine, join(dir, 'x.bin'), 'blobs/x.bin')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('"blobs/x.bin" is not a table'),
    })
    await expect(previewTable(engine, join(dir, 'trips.csv'), 'trips.csv', 0)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'limit must be between 1 and 1000, got 0',
    })
  })
})
