import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/api/server-app.js'
import { DuckDbTableEngine } from '../../src/backends/table/index.js'
import { openStrata } from '../../src/platform/index.js'
import type { Row } from '../../src/ports/index.js'
import { injectFetch } from '../support/inject-fetch.js'
import { strataRejection } from '../support/strata-error.js'
import { type TempProject, tempProject } from '../support/temp-project.js'

/**
 * One table of bad entity rows, tried at every entry point that takes entity rows: the SDK with
 * rows in memory, the SDK with a Parquet file, the CLI with that file, and (for the join keys,
 * the only part of a row an online lookup reads) the HTTP online endpoint. Each must fail with
 * one clear error naming the offending column or value; none may answer with all-null features.
 */
interface BadInput {
  name: string
  rows: Row[]
  /** The same rows as a SELECT, written to Parquet for the file, CLI entry points. */
  fileSql: string
  /** What the error of the SDK-rows, SDK-file and CLI entry points says. */
  offline: { rows: RegExp; file: RegExp }
  /** What the online endpoint says; `ok` where the input is fine online (no timestamp there). */
  http: RegExp | 'ok'
}

const TS = '2024-01-02T00:00:00Z'

const TABLE: BadInput[] = [
  {
    name: 'no join-key column',
    rows: [{ event_timestamp: TS }],
    fileSql: `SELECT TIMESTAMP '2024-01-02 00:00:00' AS event_timestamp`,
    offline: {
      rows: /entity rows lack join key "driver_id" of feature view "driver_stats"; they have event_timestamp/,
      file: /entity rows lack join key "driver_id" of feature view "driver_stats"; they have event_timestamp/,
    },
    http: /lacks? join key "driver_id"/,
  },
  {
    name: 'a misspelled join key',
    rows: [{ driver: 1001, event_timestamp: TS }],
    fileSql: `SELECT 1001 AS driver, TIMESTAMP '2024-01-02 00:00:00' AS event_timestamp`,
    offline: {
      rows: /entity rows lack join key "driver_id" of feature view "driver_stats"; they have driver, event_timestamp/,
      file: /entity rows lack join key "driver_id" of feature view "driver_stats"; they have driver, event_timestamp/,
    },
    http: /lacks? join key "driver_id"/,
  },
  {
    name: 'no timestamp column',
    rows: [{ driver_id: 1001 }],
    fileSql: 'SELECT 1001 AS driver_id',
    offline: {
      rows: /entity rows have no timestamp column "event_timestamp"; they have driver_id/,
      file: /entity rows have no timestamp column "event_timestamp"; they have driver_id/,
    },
    http: 'ok',
  },
  {
    name: 'a join key of the wrong type',
    rows: [{ driver_id: 'd1001', event_timestamp: TS }],
    fileSql: `SELECT 'd1001' AS driver_id, TIMESTAMP '2024-01-02 00:00:00' AS event_timestamp`,
    offline: {
      rows: /entity rows column "driver_id" is VARCHAR, but it is join key "driver_id" of feature view "driver_stats", declared int/,
      file: /entity rows column "driver_id" is VARCHAR, but it is join key "driver_id" of feature view "driver_stats", declared int/,
    },
    http: /driver_id = "d1001"; it must be an integer/,
  },
  {
    name: 'a timestamp that is not a time',
    rows: [{ driver_id: 1001, event_timestamp: 'yesterday' }],
    fileSql: `SELECT 1001 AS driver_id, 'yesterday' AS event_timestamp`,
    offline: {
      rows: /entity row 0 has event_timestamp = "yesterday"; it must be a Date or an ISO-8601 string/,
      file: /entity rows column "event_timestamp" is VARCHAR; it must be a TIMESTAMP or DATE/,
    },
    http: 'ok',
  },
]

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

describe('bad entity rows fail the same way at every entry point', { timeout: 300_000 }, () => {
  let project: TempProject
  let engine: DuckDbTableEngine

  beforeAll(async () => {
    project = await tempProject('strata-bad-rows-')
    engine = await DuckDbTableEngine.open({ threads: 1 })
    expect((await project.cli('init', '--bare')).code).toBe(0)
    writeFileSync(
      join(project.dir, 'strata.config.ts'),
      `import { defineConfig } from 'strata-ml'\nexport default defineConfig({ project: 'bad-rows', features: 'features.ts' })\n`,
    )
    writeFileSync(join(project.dir, 'features.ts'), FEATURES)
    await engine.writeParquet(
      `SELECT * FROM (VALUES (1001, TIMESTAMP '2024-01-01 10:00:00', 7)) t(driver_id, ts, trips)`,
      join(project.dir, 'stats.parquet'),
    )
    const applied = await project.cli('apply')
    expect(applied.stderr).toBe('')
    expect(applied.code).toBe(0)
  })
  afterAll(async () => {
    await engine.close()
    await project[Symbol.asyncDispose]()
  })

  it('accepts the good rows at every entry point (the table is not failing for another reason)', async () => {
    const file = join(project.dir, 'good.parquet')
    await engine.writeParquet(
      `SELECT 1001 AS driver_id, TIMESTAMP '2024-01-02 00:00:00' AS event_timestamp`,
      file,
    )
    await using strata = await openStrata({ cwd: project.dir, env: {} })
    const store = await strata.features()
    const fromRows = await store.getTrainingSet({
      features: ['driver_stats:trips'],
      entityRows: [{ driver_id: 1001, event_timestamp: TS }],
    })
    expect(await fromRows.rows()).toEqual([{ driver_id: 1001, event_timestamp: new Date(TS), trips: 7 }])
    await fromRows.dispose()
    const fromFile = await store.getTrainingSet({
      features: ['driver_stats:trips'],
      entityRows: { path: file },
    })
    expect(await fromFile.rows()).toEqual([{ driver_id: 1001, event_timestamp: new Date(TS), trips: 7 }])
    await fromFile.dispose()
    const cli = await project.cli(
      'features',
      'training-set',
      '--features',
      'driver_stats:trips',
      '--entity-rows',
      file,
    )
    expect(cli.stderr).toBe('')
    expect(cli.code).toBe(0)
  })

  for (const bad of TABLE) {
    it(`rejects ${bad.name}: SDK rows, SDK file, CLI and HTTP`, async () => {
      const file = join(project.dir, `${bad.name.replaceAll(' ', '-')}.parquet`)
      await engine.writeParquet(bad.fileSql, file)
      await using strata = await openStrata({ cwd: project.dir, env: {} })
      const store = await strata.features()

      const fromRows = await strataRejection(
        store.getTrainingSet({ features: ['driver_stats:trips'], entityRows: bad.rows }),
      )
      expect(fromRows.code).toBe('INVALID_ARGUMENT')
      expect(fromRows.message).toMatch(bad.offline.rows)

      const fromFile = await strataRejection(
        store.getTrainingSet({ features: ['driver_stats:trips'], entityRows: { path: file } }),
      )
      expect(fromFile.code).toBe('INVALID_ARGUMENT')
      expect(fromFile.message).toMatch(bad.offline.file)

      const cli = await project.cli(
        'features',
        'training-set',
        '--features',
        'driver_stats:trips',
        '--entity-rows',
        file,
      )
      expect(cli.code).not.toBe(0)
      expect(cli.stdout).toBe('')
      expect(cli.stderr.trim().split('\n')).toHaveLength(1)
      expect(cli.stderr).toMatch(bad.offline.file)

      const app = { fetch: injectFetch(await createServerApp(strata, { version: '0.0.0' })) }
      const entities: Record<string, unknown[]> = {}
      for (const row of bad.rows) {
        for (const [k, v] of Object.entries(row)) {
          if (k !== 'event_timestamp') entities[k] = [...(entities[k] ?? []), v]
        }
      }
      const res = await app.fetch(
        new Request('http://local/features/online', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ features: ['driver_stats:trips'], entities }),
        }),
      )
      const body = (await res.json()) as { error?: { code: string; message: string } }
      if (bad.http === 'ok') {
        expect(res.status).toBe(200)
      } else {
        expect(res.status).toBe(400)
        expect(body.error?.code).toBe('INVALID_ARGUMENT')
        expect(body.error?.message).toMatch(bad.http)
      }
    })
  }

  it('rejects an in-memory row that lacks a join key or the timestamp the other rows have, naming the row', async () => {
    await using strata = await openStrata({ cwd: project.dir, env: {} })
    const store = await strata.features()
    const noKey = await strataRejection(
      store.getTrainingSet({
        features: ['driver_stats:trips'],
        entityRows: [{ driver_id: 1001, event_timestamp: TS }, { event_timestamp: TS }],
      }),
    )
    expect(noKey.message).toMatch(
      /entity row 1 lacks join key "driver_id", which other rows have; it has event_timestamp/,
    )
    const noTime = await strataRejection(
      store.getTrainingSet({
        features: ['driver_stats:trips'],
        entityRows: [{ driver_id: 1001, event_timestamp: TS }, { driver_id: 1002 }],
      }),
    )
    expect(noTime.message).toMatch(/entity row 1 lacks timestamp column "event_timestamp"/)
    // An explicit null is a missing value, as in a file: the row gets null features.
    const withNull = await store.getTrainingSet({
      features: ['driver_stats:trips'],
      entityRows: [
        { driver_id: null, event_timestamp: TS },
        { driver_id: 1001, event_timestamp: TS },
      ],
    })
    expect((await withNull.rows()).map((r) => r.trips)).toEqual([null, 7])
    await withNull.dispose()
  })
})
