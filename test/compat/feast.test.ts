import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { DuckDbTableEngine } from '../../src/backends/table/index.js'
import { type TempProject, tempProject } from '../support/temp-project.js'
import { freePort, runPeer } from './peer-process.js'
import { pythonClient } from './python-client.js'
import { type StrataServerProcess, startStrataServer } from './strata-server-process.js'

/**
 * The Feast differential test: Feast's own SDK (pinned, `scripts/python-env.sh --feast`), with
 * its remote online store, asks the same questions of a real `feast serve` and of `strata
 * server` holding the same data (one Parquet file, the same view definitions, each materialized
 * through its server's `POST /materialize` with the same body), and the answers must be equal.
 */
const feast = pythonClient('STRATA_TEST_PYTHON_FEAST', '--feast')
const script = new URL('./python/compat_feast.py', import.meta.url).pathname
const pushScript = new URL('./python/compat_feast_push.py', import.meta.url).pathname

const FEAST_DEFINITIONS = `
from datetime import timedelta
from feast import Entity, FeatureService, FeatureView, Field, FileSource, PushSource, ValueType
from feast.types import Float64, Int64, String

driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64)
source = FileSource(path="stats.parquet", timestamp_field="ts")
driver_stats = FeatureView(
    name="driver_stats",
    entities=[driver],
    ttl=timedelta(0),
    schema=[Field(name="trips", dtype=Int64), Field(name="rating", dtype=Float64), Field(name="name", dtype=String)],
    source=source,
    online=True,
)
driver_service = FeatureService(name="driver_service", features=[driver_stats[["trips", "rating"]]])
driver_push = PushSource(
    name="driver_push",
    batch_source=FileSource(path="pushed.parquet", timestamp_field="event_timestamp"),
)
driver_pushed = FeatureView(
    name="driver_pushed",
    entities=[driver],
    ttl=timedelta(0),
    schema=[Field(name="trips", dtype=Int64), Field(name="rating", dtype=Float64)],
    source=driver_push,
    online=True,
)
`

const STRATA_DEFINITIONS = `
import { entity, featureService, featureView, fileSource } from 'strata-ml'

export const driver = entity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int' })

export const driverStats = featureView({
  name: 'driver_stats',
  entities: [driver],
  source: fileSource({ path: 'stats.parquet', timestamp: 'ts' }),
  features: { trips: 'int', rating: 'float', name: 'string' },
})

export const driverService = featureService({
  name: 'driver_service',
  features: [driverStats.select('trips', 'rating')],
})

export const driverPushed = featureView({
  name: 'driver_pushed',
  entities: [driver],
  source: fileSource({ path: 'pushed.parquet', timestamp: 'event_timestamp' }),
  pushSource: 'driver_push',
  features: { trips: 'int', rating: 'float' },
})
`

/** Rows: several per driver (the latest must win), nulls, one driver only after the range. */
const DATA = `SELECT * FROM (VALUES
  (1001, TIMESTAMP '2024-01-01 10:00:00', 7, 4.5, 'ann'),
  (1001, TIMESTAMP '2024-01-03 09:30:00', 9, 4.25, 'ann b.'),
  (1002, TIMESTAMP '2024-01-02 08:00:00', 3, NULL, 'bo'),
  (1003, TIMESTAMP '2024-01-02 12:00:00', NULL, 3.75, NULL),
  (1004, TIMESTAMP '2024-02-01 00:00:00', 1, 1.0, 'late')
) t(driver_id, ts, trips, rating, name)`

async function waitHealthy(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`feast serve exited with ${child.exitCode}:\n${log()}`)
    try {
      if ((await fetch(`${url}/health`)).status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

feast.describe(
  'Feast compatibility: Feast SDK (remote online store) against feast serve and strata server',
  () => {
    let project: TempProject
    let strata: StrataServerProcess
    let feastServe: ChildProcess | undefined
    let feastLog = ''
    let feastUrl: string
    let dir: string

    const materializeBody = {
      start_ts: '2024-01-01T00:00:00',
      end_ts: '2024-01-15T00:00:00',
      feature_views: ['driver_stats'],
    }

    beforeAll(async () => {
      const python = feast.python as string
      project = await tempProject('strata-feast-')
      dir = project.dir
      const engine = await DuckDbTableEngine.open({ threads: 1 })
      try {
        // Feast's repo and Strata's project read the same file.
        const repo = join(dir, 'feast-repo')
        mkdirSync(join(repo, 'data'), { recursive: true })
        await engine.writeParquet(DATA, join(repo, 'stats.parquet'))
        await engine.writeParquet(DATA, join(dir, 'stats.parquet'))
        // The push source's batch source: no rows yet (pushed rows go to the online store).
        const PUSHED =
          "SELECT 1 AS driver_id, TIMESTAMP '2000-01-01' AS event_timestamp, 1 AS trips, 1.0 AS rating WHERE false"
        await engine.writeParquet(PUSHED, join(repo, 'pushed.parquet'))
        await engine.writeParquet(PUSHED, join(dir, 'pushed.parquet'))
      } finally {
        await engine.close()
      }
      const repo = join(dir, 'feast-repo')
      writeFileSync(
        join(repo, 'feature_store.yaml'),
        [
          'project: compat',
          'registry: data/registry.db',
          'provider: local',
          'online_store:',
          '  type: sqlite',
          '  path: data/online.db',
          'offline_store:',
          '  type: file',
          'entity_key_serialization_version: 3',
          '',
        ].join('\n'),
      )
      writeFileSync(join(repo, 'definitions.py'), FEAST_DEFINITIONS)
      const feastCli = join(dirname(python), 'feast')
      await runPeer(feastCli, ['apply'], repo)
      const port = await freePort()
      feastUrl = `http://127.0.0.1:${port}`
      feastServe = spawn(
        feastCli,
        ['serve', '--host', '127.0.0.1', '--port', String(port), '--workers', '1'],
        {
          cwd: repo,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      feastServe.stdout?.on('data', (d: Buffer) => {
        feastLog += d.toString()
      })
      feastServe.stderr?.on('data', (d: Buffer) => {
        feastLog += d.toString()
      })

      expect((await project.cli('init', '--bare')).code).toBe(0)
      writeFileSync(
        join(dir, 'strata.config.ts'),
        `import { defineConfig } from 'strata-ml'\nexport default defineConfig({ project: 'compat', features: 'features.ts' })\n`,
      )
      writeFileSync(join(dir, 'features.ts'), STRATA_DEFINITIONS)
      const applied = await project.cli('apply')
      expect(applied.code, applied.stderr).toBe(0)
      strata = await startStrataServer(dir)
      await waitHealthy(feastUrl, feastServe, () => feastLog)

      // The Feast SDK's client repos: the same registry, the remote online store at each server.
      for (const [name, url] of [
        ['client-feast', feastUrl],
        ['client-strata', strata.url],
      ] as const) {
        mkdirSync(join(dir, name))
        writeFileSync(
          join(dir, name, 'feature_store.yaml'),
          [
            'project: compat',
            `registry: ${join(repo, 'data', 'registry.db')}`,
            'provider: local',
            'online_store:',
            '  type: remote',
            `  path: ${url}`,
            'entity_key_serialization_version: 3',
            '',
          ].join('\n'),
        )
      }
    }, 600_000)

    afterAll(async () => {
      if (feastServe !== undefined && feastServe.exitCode === null) {
        const exited = new Promise((resolve) => feastServe?.once('exit', resolve))
        feastServe.kill('SIGTERM')
        await exited
      }
      await strata?.stop()
      await project?.[Symbol.asyncDispose]()
    })

    const post = async (url: string, path: string, body: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return { status: res.status, text: await res.text() }
    }

    it('materializes through both servers with the same POST /materialize body', async () => {
      const fromFeast = await post(feastUrl, '/materialize', materializeBody)
      expect(fromFeast.status, fromFeast.text).toBe(200)
      const fromStrata = await post(strata.url, '/materialize', materializeBody)
      expect(fromStrata.status, `${fromStrata.text}\n${strata.stderr()}`).toBe(200)
    }, 300_000)

    it('gives the Feast SDK the same answers from strata server as from feast serve', async () => {
      const python = feast.python as string
      const ask = async (client: string) =>
        JSON.parse(
          (await runPeer(python, [script], dir, { FEAST_CLIENT_REPO: join(dir, client) }))
            .trim()
            .split('\n')
            .at(-1) ?? '',
        ) as Record<string, Record<string, unknown[]>>
      const fromFeast = await ask('client-feast')
      const fromStrata = await ask('client-strata')
      // Not vacuous: the latest value in range won, nulls stayed null, the unknown driver is null.
      expect(fromFeast.features?.trips).toEqual([9, 3, null, null, null, 9])
      expect(fromStrata).toEqual(fromFeast)
    }, 300_000)

    it('takes rows pushed by the Feast SDK (push, write_to_online_store) like feast serve', async () => {
      const python = feast.python as string
      const ask = async (client: string) => {
        const run = await runPeer(python, [pushScript], dir, { FEAST_CLIENT_REPO: join(dir, client) })
        return JSON.parse(run.trim().split('\n').at(-1) ?? '') as Record<string, Record<string, unknown[]>>
      }
      const fromFeast = await ask('client-feast')
      const fromStrata = await ask('client-strata')
      // Not vacuous: the later row of 2001 won, the null stayed null, the newer write replaced.
      expect(fromFeast.after_push?.trips).toEqual([7, 6, null])
      expect(fromFeast.after_push?.rating).toEqual([2.5, null, null])
      expect(fromFeast.after_write?.driver_pushed__trips).toEqual([7, 60])
      expect(fromStrata, strata.stderr()).toEqual(fromFeast)
    }, 300_000)

    it('answers a raw POST /push like feast serve', async () => {
      const body = {
        push_source_name: 'driver_push',
        df: {
          driver_id: [3001, 3002],
          event_timestamp: ['2024-04-01 10:00:00+00:00', '2024-04-01 12:30:00+00:00'],
          trips: [11, 12],
          rating: [0.5, null],
        },
        to: 'online',
      }
      const feastPush = await post(feastUrl, '/push', body)
      expect(feastPush.status, feastPush.text).toBe(200)
      const strataPush = await post(strata.url, '/push', body)
      expect(strataPush.status, strataPush.text).toBe(200)
      const read = {
        features: ['driver_pushed:trips', 'driver_pushed:rating'],
        entities: { driver_id: [3001, 3002] },
      }
      // Columns by name: feast serve orders a view's features its own way (docs/api.md).
      const values = (text: string) => {
        const parsed = JSON.parse(text) as {
          metadata: { feature_names: string[] }
          results: { values: unknown[]; event_timestamps: string[] }[]
        }
        return Object.fromEntries(
          parsed.metadata.feature_names.map((name, i) => [
            name,
            [parsed.results[i]?.values, parsed.results[i]?.event_timestamps],
          ]),
        )
      }
      const fromFeast = values((await post(feastUrl, '/get-online-features', read)).text)
      expect(fromFeast.trips?.[0]).toEqual([11, 12])
      expect(fromFeast.rating?.[0]).toEqual([0.5, null])
      expect(values((await post(strata.url, '/get-online-features', read)).text)).toEqual(fromFeast)
    }, 300_000)

    it('answers raw get-online-features requests with the same values and statuses', async () => {
      const body = {
        features: ['driver_stats:trips', 'driver_stats:rating', 'driver_stats:name'],
        entities: { driver_id: [1001, 1002, 1003, 9999] },
      }
      const parse = (text: string) =>
        JSON.parse(text) as {
          metadata: { feature_names: string[] }
          results: { values: unknown[]; statuses: string[]; event_timestamps: string[] }[]
        }
      const fromFeast = parse((await post(feastUrl, '/get-online-features', body)).text)
      const fromStrata = parse((await post(strata.url, '/get-online-features', body)).text)
      // Columns by name: feast serve orders a view's features its own way, Strata keeps the
      // request's order; clients index the columns by metadata.feature_names (docs/api.md).
      const byName = (r: ReturnType<typeof parse>) =>
        Object.fromEntries(
          r.metadata.feature_names.map((n, i) => [
            n,
            {
              values: r.results[i]?.values,
              statuses: r.results[i]?.statuses,
              times: r.results[i]?.event_timestamps,
            },
          ]),
        )
      expect(Object.keys(byName(fromFeast))).toHaveLength(4)
      expect(byName(fromStrata), JSON.stringify({ fromFeast, fromStrata })).toEqual(byName(fromFeast))
    }, 300_000)
  },
)
