import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestFeatureStore } from '../../test/support/feature-store.js'
import { strataRejection } from '../../test/support/strata-error.js'
import { MemoryOnlineStore } from '../backends/memory/index.js'
import { DuckDbTableEngine } from '../backends/table/index.js'
import { openMetadataDatabase } from '../db/index.js'
import { entity, featureView, fileSource } from './definitions/index.js'

const user = entity({ name: 'user', joinKeys: ['user_id'] })

/** 100 users with a float score; `bad` replaces some rows' score text. */
function csv(bad: Record<number, string>): string {
  const lines = ['user_id,ts,score,visits']
  for (let i = 0; i < 100; i++) {
    const score = bad[i] ?? (30 + i / 1000 + 0.0067).toFixed(4)
    lines.push(`u${String(i).padStart(4, '0')},2024-01-01 10:00:00,${score},${i}`)
  }
  return `${lines.join('\n')}\n`
}

describe('a rejected view names the culprit', () => {
  let engine: DuckDbTableEngine
  let dir: string
  beforeAll(async () => {
    engine = await DuckDbTableEngine.open({ threads: 1 })
    dir = await mkdtemp(join(tmpdir(), 'strata-culprit-'))
  })
  afterAll(async () => {
    await engine.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function reject(file: string, features: Record<string, 'int' | 'float'>) {
    const view = featureView({
      name: 'user_scores',
      entities: [user],
      source: fileSource({ path: file, timestamp: 'ts' }),
      features,
    })
    const metadata = await openMetadataDatabase({
      dialect: 'sqlite',
      location: join(dir, `${file}.db`),
      url: 'sqlite:t',
    })
    try {
      const { store } = await openTestFeatureStore(metadata, {
        engine,
        online: new MemoryOnlineStore(),
        definitions: [view],
        root: dir,
      })
      await store.apply()
      return await strataRejection(store.materialize())
    } finally {
      await metadata.close()
    }
  }

  it('names the stray string that made a CSV column text, its entity and source row, not a valid row', async () => {
    await writeFile(join(dir, 'stray.csv'), csv({ 42: 'abc', 77: 'n/a' }))
    const err = await reject('stray.csv', { score: 'float' })
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toBe(
      'computing features rejected feature view "user_scores": feature "score" of entity user_id="u0042" (row 43 of the source) is "abc", but it is declared float (a finite number); the column is VARCHAR because of this value; nothing was written',
    )
    expect(err.details).toMatchObject({
      value: '"abc"',
      row: 43,
      rule: 'a finite number',
      entity: { user_id: '"u0042"' },
    })
  })

  it('names the first out-of-range int with the ±(2^53 − 1) rule', async () => {
    await writeFile(
      join(dir, 'big.csv'),
      csv({}).replace(
        'u0013,2024-01-01 10:00:00,30.0197,13',
        'u0013,2024-01-01 10:00:00,30.0197,9007199254740993',
      ),
    )
    const err = await reject('big.csv', { visits: 'int' })
    expect(err.message).toMatch(
      /feature "visits" of entity user_id="u0013" \(row 14 of the source\) is 9007199254740993n?, but it is declared int \(an integer within ±\(2\^53 − 1\)\)/,
    )
  })
})
