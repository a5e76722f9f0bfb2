import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/api/server-app.js'
import { DuckDbTableEngine } from '../../src/backends/table/index.js'
import { openStrata, type Strata } from '../../src/platform/index.js'
import { injectFetch } from '../support/inject-fetch.js'
import { type TempProject, tempProject } from '../support/temp-project.js'

/**
 * `feast serve`'s routes on `strata server`: `/materialize` and `/materialize-incremental` with
 * Feast's bodies, `/get-online-features` answering exactly what `/features/online` answers, and
 * `/health`. (The differential test with Feast's own SDK is `test/compat/feast.test.ts`.)
 */
const FEATURES = `
import { entity, featureView, fileSource } from 'strata-ml'

export const driver = entity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int' })

export const driverStats = featureView({
  name: 'driver_stats',
  entities: [driver],
  source: fileSource({ path: 'stats.parquet', timestamp: 'ts' }),
  features: { trips: 'int', rating: 'float' },
  pushSource: 'driver_stats_push',
})
`

describe("feast serve's routes", { timeout: 300_000 }, () => {
  let project: TempProject
  let strata: Strata
  let app: { fetch: (request: Request) => Promise<Response> }

  const post = async (path: string, body: unknown) => {
    const res = await app.fetch(
      new Request(`http://local${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    )
    return { status: res.status, json: (await res.json()) as Record<string, unknown> }
  }

  beforeAll(async () => {
    project = await tempProject('strata-feast-routes-')
    expect((await project.cli('init', '--bare')).code).toBe(0)
    writeFileSync(
      join(project.dir, 'strata.config.ts'),
      `import { defineConfig } from 'strata-ml'\nexport default defineConfig({ project: 'feast-routes', features: 'features.ts' })\n`,
    )
    writeFileSync(join(project.dir, 'features.ts'), FEATURES)
    const engine = await DuckDbTableEngine.open({ threads: 1 })
    await engine.writeParquet(
      `SELECT * FROM (VALUES
        (1001, TIMESTAMP '2024-01-01 10:00:00', 7, 4.5),
        (1001, TIMESTAMP '2024-01-03 10:00:00', 9, 4.0),
        (1002, TIMESTAMP '2024-01-02 10:00:00', 3, NULL)) t(driver_id, ts, trips, rating)`,
      join(project.dir, 'stats.parquet'),
    )
    await engine.close()
    expect((await project.cli('apply')).code).toBe(0)
    strata = await openStrata({ cwd: project.dir, env: {} })
    app = { fetch: injectFetch(await createServerApp(strata, { version: '0.0.0' })) }
  })
  afterAll(async () => {
    await strata?.[Symbol.asyncDispose]()
    await project?.[Symbol.asyncDispose]()
  })

  it('materializes a time range (naive = UTC), then serves get-online-features like /features/online', async () => {
    const materialized = await post('/materialize', {
      start_ts: '2024-01-01T00:00:00',
      end_ts: '2024-01-02T12:00:00',
      feature_views: ['driver_stats'],
    })
    expect(materialized.status).toBe(200)
    expect(materialized.json.views).toEqual([
      { view: 'driver_stats', mode: 'range', entities: 2, written: 2 },
    ])
    const body = {
      features: ['driver_stats:trips', 'driver_stats:rating'],
      entities: { driver_id: [1001, 1002, 9] },
    }
    const feast = await post('/get-online-features', body)
    expect(feast.status).toBe(200)
    const strata = await post('/features/online', body)
    const results = [
      { values: [1001, 1002, 9] },
      { values: [7, 3, null], statuses: ['PRESENT', 'PRESENT', 'NOT_FOUND'] },
      { values: [4.5, null, null], statuses: ['PRESENT', 'NULL_VALUE', 'NOT_FOUND'] },
    ]
    expect(strata.json).toMatchObject({
      metadata: { feature_names: ['driver_id', 'trips', 'rating'] },
      results,
    })
    // The same answer, except that a stored null is PRESENT at feast serve's path, as there.
    const feastResults = structuredClone(results)
    ;(feastResults[2] as { statuses: string[] }).statuses[1] = 'PRESENT'
    expect(feast.json).toMatchObject({
      metadata: { feature_names: ['driver_id', 'trips', 'rating'] },
      results: feastResults,
    })
  })

  it('serves the online routes as JSON text, checks their bodies by hand and names the bad value', async () => {
    for (const path of ['/features/online', '/get-online-features']) {
      const send = (body: string | undefined, headers: Record<string, string>) =>
        app.fetch(
          new Request(`http://local${path}`, {
            method: 'POST',
            headers,
            ...(body === undefined ? {} : { body }),
          }),
        )
      const body = JSON.stringify({ features: ['driver_stats:trips'], entities: { driver_id: [1001, 1002] } })
      const ok = await send(body, { 'content-type': 'application/json', 'accept-encoding': 'gzip' })
      expect(ok.status).toBe(200)
      expect(ok.headers.get('content-type')).toBe('application/json; charset=utf-8')
      expect(ok.headers.get('content-encoding')).toBeNull()
      expect(((await ok.json()) as { metadata: unknown }).metadata).toEqual({
        feature_names: ['driver_id', 'trips'],
      })
      const bad = await send(
        JSON.stringify({ features: ['driver_stats:trips'], entities: { driver_id: 1001 } }),
        {
          'content-type': 'application/json',
        },
      )
      expect(bad.status).toBe(400)
      expect(((await bad.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/"entities\.driver_id" is 1001, expected an array of values/),
      })
      const none = await send(undefined, { 'content-type': 'application/json' })
      expect(none.status).toBe(400)
      expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(
        /"entities" is missing/,
      )
      expect((await send(body, { 'content-type': 'text/plain' })).status).toBe(415)
    }
  })

  it('materializes incrementally up to end_ts, and refuses a time that is not one', async () => {
    const incremental = await post('/materialize-incremental', { end_ts: '2024-01-04T00:00:00Z' })
    expect(incremental.status).toBe(200)
    const after = await post('/get-online-features', {
      features: ['driver_stats:trips'],
      entities: { driver_id: [1001] },
    })
    expect((after.json.results as { values: unknown[] }[])[1]?.values).toEqual([9])
    const bad = await post('/materialize', { start_ts: 'last week', end_ts: '2024-01-04T00:00:00Z' })
    expect(bad.status).toBe(400)
    expect((bad.json.error as { message: string }).message).toMatch(/start_ts "last week" is not a time/)
  })

  it('pushes rows with /push and /write-to-online-store; an older row never replaces a newer value', async () => {
    const pushed = await post('/push', {
      push_source_name: 'driver_stats_push',
      df: {
        driver_id: [1002, 1003],
        ts: ['2024-02-01 10:00:00+00:00', '2024-02-01T10:00:00'],
        trips: [30, 1],
        rating: [3.5, null],
        created: ['2024-02-01 10:00:01', null],
      },
      to: 'online',
    })
    expect(pushed.status, JSON.stringify(pushed.json)).toBe(200)
    expect(pushed.json).toEqual({
      to: 'online',
      views: [{ view: 'driver_stats', version: 1, rows: 2, entities: 2, written: 2, skipped: 0 }],
    })
    // Feast's remote online store: `event_timestamp` and `created` columns, one view by name.
    const older = await post('/write-to-online-store', {
      feature_view_name: 'driver_stats',
      df: {
        driver_id: [1002],
        event_timestamp: ['2024-01-15T00:00:00'],
        created: [null],
        trips: [0],
        rating: [0],
      },
      allow_registry_cache: false,
    })
    expect(older.json.views).toEqual([
      { view: 'driver_stats', version: 1, rows: 1, entities: 1, written: 0, skipped: 1 },
    ])
    const read = await post('/get-online-features', {
      features: ['driver_stats:trips', 'driver_stats:rating'],
      entities: { driver_id: [1002, 1003] },
    })
    expect(read.json.results).toMatchObject([
      {},
      { values: [30, 1], statuses: ['PRESENT', 'PRESENT'] },
      { values: [3.5, null] },
    ])
  })

  it('refuses a bad push whole, naming the row and what would be valid', async () => {
    const bad = await post('/push', {
      push_source_name: 'driver_stats_push',
      df: {
        driver_id: [1004, 1005],
        ts: ['2024-03-01T00:00:00Z', '2024-03-01T00:00:00Z'],
        trips: [1, 2.5],
        rating: [1, 1],
      },
    })
    expect(bad.status).toBe(400)
    expect((bad.json.error as { message: string }).message).toMatch(
      /push rejected feature view "driver_stats": feature "trips" of entity driver_id=1005 \(row 2 of the pushed rows\) is 2.5, but it is declared int/,
    )
    const read = await post('/get-online-features', {
      features: ['driver_stats:trips'],
      entities: { driver_id: [1004] },
    })
    expect((read.json.results as { statuses: string[] }[])[1]?.statuses).toEqual(['NOT_FOUND'])
    const unknown = await post('/push', { push_source_name: 'nope', df: {} })
    expect(unknown.status).toBe(404)
    const target = await post('/push', { push_source_name: 'driver_stats_push', df: {}, to: 'sideways' })
    expect(target.status).toBe(400)
    const offline = await post('/push', { push_source_name: 'driver_stats_push', df: {}, to: 'offline' })
    expect(offline.status).toBe(501)
    expect((offline.json.error as { code: string }).code).toBe('UNSUPPORTED')
  })

  it('pushes from the CLI (strata features push --json), and fails in one line on a bad row', async () => {
    const data = JSON.stringify([{ driver_id: 1010, ts: '2024-04-01T00:00:00Z', trips: 4, rating: 2.5 }])
    const pushed = await project.cli('features', 'push', '--view', 'driver_stats', '--data', data, '--json')
    expect(pushed.code, pushed.stderr).toBe(0)
    expect(pushed.json()).toEqual({
      to: 'online',
      views: [{ view: 'driver_stats', version: 1, rows: 1, entities: 1, written: 1, skipped: 0 }],
    })
    writeFileSync(
      join(project.dir, 'rows.jsonl'),
      '{"driver_id": 1011, "ts": "2024-04-01T00:00:00Z", "trips": 1, "rating": 1}\n{"driver_id": 1012, "ts": "2024-04-01T00:00:00Z", "trips": "many", "rating": 1}\n',
    )
    const bad = await project.cli(
      'features',
      'push',
      '--push-source',
      'driver_stats_push',
      '--rows',
      'rows.jsonl',
    )
    expect(bad.code).not.toBe(0)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
    expect(bad.stderr).toMatch(
      /feature "trips" of entity driver_id=1012 \(row 2 of the pushed rows\) is "many"/,
    )
    const read = await post('/get-online-features', {
      features: ['driver_stats:trips'],
      entities: { driver_id: [1010, 1011] },
    })
    expect((read.json.results as { values: unknown[] }[])[1]?.values).toEqual([4, null])
  })

  it('answers /health with 200', async () => {
    const res = await app.fetch(new Request('http://local/health'))
    expect(res.status).toBe(200)
  })
})
