import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DuckDbTableEngine } from '../../src/backends/table/index.js'
import { type TempProject, tempProject } from '../support/temp-project.js'

/**
 * `strata features training-set --entity-rows` takes Parquet, CSV and JSON Lines, as local files
 * and as dataset files (whose local copies are cache objects without an extension), and gives
 * the same training set from each. A file it cannot read fails in one line naming the file the
 * user gave, never an internal path.
 */
const FEATURES = `
import { entity, featureView, fileSource } from 'strata-ml'

export const driver = entity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int' })

export const driverStats = featureView({
  name: 'driver_stats',
  entities: [driver],
  source: fileSource({ path: 'stats.parquet', timestamp: 'ts' }),
  features: { trips: 'int' },
})
`

interface Result {
  rows: number
  out: string
}

describe('entity rows in every common format (CLI)', { timeout: 300_000 }, () => {
  let project: TempProject
  let engine: DuckDbTableEngine
  const files: Record<string, string> = {
    'rows.csv':
      'driver_id,event_timestamp,label\n1001,2024-01-01 11:00:00,1\n1001,2024-01-01T09:00:00,0\n1002,2024-01-01T12:30:00+01:00,1\n',
    'rows.jsonl': [
      { driver_id: 1001, event_timestamp: '2024-01-01 11:00:00', label: 1 },
      { driver_id: 1001, event_timestamp: '2024-01-01T09:00:00', label: 0 },
      { driver_id: 1002, event_timestamp: '2024-01-01T12:30:00+01:00', label: 1 },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n'),
  }
  const want = [
    { driver_id: 1001, label: 1, trips: 7, at: '2024-01-01T11:00:00.000Z' },
    { driver_id: 1001, label: 0, trips: null, at: '2024-01-01T09:00:00.000Z' },
    { driver_id: 1002, label: 1, trips: 3, at: '2024-01-01T11:30:00.000Z' },
  ]

  beforeAll(async () => {
    project = await tempProject('strata-row-formats-')
    engine = await DuckDbTableEngine.open({ threads: 1 })
    expect((await project.cli('init', '--bare')).code).toBe(0)
    writeFileSync(
      join(project.dir, 'strata.config.ts'),
      `import { defineConfig } from 'strata-ml'\nexport default defineConfig({ project: 'row-formats', features: 'features.ts' })\n`,
    )
    writeFileSync(join(project.dir, 'features.ts'), FEATURES)
    await engine.writeParquet(
      `SELECT * FROM (VALUES (1001, TIMESTAMP '2024-01-01 10:00:00', 7), (1002, TIMESTAMP '2024-01-01 11:15:00', 3)) t(driver_id, ts, trips)`,
      join(project.dir, 'stats.parquet'),
    )
    for (const [name, text] of Object.entries(files)) writeFileSync(join(project.dir, name), text)
    writeFileSync(join(project.dir, 'rows-no-extension'), files['rows.csv'] as string)
    await engine.writeParquet(
      `SELECT driver_id, timezone('UTC', CAST(event_timestamp AS TIMESTAMPTZ)) AS event_timestamp, label FROM read_csv('${join(project.dir, 'rows.csv')}', columns = {'driver_id': 'BIGINT', 'event_timestamp': 'VARCHAR', 'label': 'BIGINT'}, header = true)`,
      join(project.dir, 'rows.parquet'),
    )
    // Not validated on commit (an unknown extension); its first bytes say Parquet, but it is not.
    writeFileSync(join(project.dir, 'broken.dat'), 'PAR1 and then not parquet at all')
    expect((await project.cli('apply')).code).toBe(0)
    expect((await project.cli('data', 'create', 'labels')).code).toBe(0)
    const committed = await project.cli(
      'data',
      'commit',
      'labels',
      'rows.csv',
      'rows.jsonl',
      'rows.parquet',
      'broken.dat',
      '-m',
      'labels',
    )
    expect(committed.code, committed.stderr).toBe(0)
  })
  afterAll(async () => {
    await engine.close()
    await project[Symbol.asyncDispose]()
  })

  async function trainingSet(rows: string): Promise<typeof want> {
    const out = join(project.dir, `out-${rows.replaceAll(/[^a-z]/gi, '-')}.parquet`)
    const cli = await project.cli(
      'features',
      'training-set',
      '--features',
      'driver_stats:trips',
      '--entity-rows',
      rows,
      '--out',
      out,
      '--json',
    )
    expect(cli.stderr, rows).toBe('')
    expect(cli.code, rows).toBe(0)
    expect(cli.json<Result>().rows).toBe(3)
    const read = await engine.query(
      `SELECT driver_id::INTEGER AS driver_id, label::INTEGER AS label, trips::INTEGER AS trips, event_timestamp FROM read_parquet('${out}')`,
    )
    return read.rows.map((r) => ({
      driver_id: r.driver_id as number,
      label: r.label as number,
      trips: r.trips as number | null,
      at: (r.event_timestamp as Date).toISOString(),
    })) as typeof want
  }

  for (const rows of [
    'rows.csv',
    'rows.jsonl',
    'rows.parquet',
    'rows-no-extension',
    'labels@main:rows.csv',
    'labels:rows.jsonl',
    'labels@main:rows.parquet',
  ]) {
    it(`reads ${rows}: naive times are UTC, offsets honoured, order kept`, async () => {
      expect(await trainingSet(rows)).toEqual(want)
    })
  }

  it('names the dataset file, not the cache, when the rows cannot be read', async () => {
    const cli = await project.cli(
      'features',
      'training-set',
      '--features',
      'driver_stats:trips',
      '--entity-rows',
      'labels@main:broken.dat',
    )
    expect(cli.code).not.toBe(0)
    expect(cli.stdout).toBe('')
    const lines = cli.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(cli.stderr).toMatch(/entity rows labels@main:broken\.dat cannot be read as Parquet/)
    expect(cli.stderr).not.toContain(project.dir)
    expect(cli.stderr).not.toMatch(/\/(tmp|work|home)\//)
  })
})
