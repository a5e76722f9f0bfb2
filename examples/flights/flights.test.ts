import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/api/server-app.js'
import { openStrata } from '../../src/platform/index.js'
import { injectFetch } from '../../test/support/inject-fetch.js'
import { tempProject } from '../../test/support/temp-project.js'

const here = dirname(fileURLToPath(import.meta.url))

describe('flights example from the CLI on a fresh project', () => {
  it('commits raw data, applies definitions, builds and saves a training set with lineage to the raw commit, and materializes', async () => {
    await using project = await tempProject('strata-flights-')
    expect((await project.cli('init')).code).toBe(0)
    copyFileSync(join(here, 'strata.config.ts'), join(project.dir, 'strata.config.ts'))
    copyFileSync(join(here, 'features.ts'), join(project.dir, 'features.ts'))
    // A slice of the 3M departures keeps the test quick; the README runs the whole file.
    execFileSync(process.execPath, [join(here, 'prepare.mjs'), join(project.dir, 'data'), '--rows', '120000'])

    expect((await project.cli('data', 'create', 'flights')).code).toBe(0)
    const committed = await project.cli(
      'data',
      'commit',
      'flights',
      'data/flights.parquet',
      'data/labels-q1.parquet',
      '-m',
      'raw departures',
      '--json',
    )
    expect(committed.code).toBe(0)
    const rawCommit = committed.json<{ commit: { id: string } }>().commit.id

    const plan = await project.cli('features', 'plan')
    expect(plan.code).toBe(0)
    expect(plan.stderr).toBe('')
    expect(plan.stdout).toMatch(/\+ feature-view airport_delays v1/)
    expect(plan.stdout).toMatch(/\+ feature-service delay_model v1/)
    // The old spelling still works, with a hint on stderr.
    const oldPlan = await project.cli('plan')
    expect(oldPlan.stdout).toBe(plan.stdout)
    expect(oldPlan.stderr).toMatch(/^hint: "strata plan" is now "strata features plan"/)
    // `strata apply` applies every kind of definition; features are the kind so far.
    const applied = await project.cli('--json', 'apply')
    expect(applied.code, applied.stdout + applied.stderr).toBe(0)
    const registered = applied.json<{ features: { registered: { name: string }[] } }>().features.registered
    expect(registered.map((r) => r.name)).toContain('route_delays')
    const again = await project.cli('apply')
    expect(again.stdout).toBe('features:\n  No changes: the registry matches the definitions.\n')

    const built = await project.cli(
      '--json',
      'features',
      'training-set',
      '--service',
      'delay_model',
      '--entity-rows',
      'flights@main:labels-q1.parquet',
      '--save',
      'delay-q1',
      '--out',
      'q1.parquet',
    )
    expect(built.code, built.stdout + built.stderr).toBe(0)
    const result = built.json<{ rows: number; features: string[]; saved: { id: string; commitId: string } }>()
    expect(result.rows).toBeGreaterThan(50_000)
    expect(result.features).toEqual([
      'late_share_1h',
      'departures_1h',
      'late_share_24h',
      'departures_24h',
      'late_share_7d',
      'departures_7d',
      'route_late_share_24h',
      'route_late_share_7d',
      'route_departures_7d',
      'congestion',
    ])
    expect(existsSync(join(project.dir, 'q1.parquet'))).toBe(true)
    expect(result.saved.id).toBe('delay-q1/1')

    // The saved training set's lineage reaches the raw dataset commit.
    const path = await project.cli(
      '--json',
      'lineage',
      `dataset-commit:${rawCommit}`,
      '--to',
      'training-set:delay-q1/1',
    )
    expect(path.code, path.stdout + path.stderr).toBe(0)
    expect(path.json<{ path: { activity: string }[] }>().path.length).toBeGreaterThan(0)

    // The old spelling with --json: the same JSON, and nothing on stderr.
    const materialized = await project.cli(
      '--json',
      'materialize',
      '--incremental',
      '--end',
      '2001-04-01T00:00:00Z',
    )
    expect(materialized.code, materialized.stdout + materialized.stderr).toBe(0)
    expect(materialized.stderr).toBe('')
    const reports = materialized.json<{ view: string; entities: number }[]>()
    expect(reports.every((r) => r.entities > 0)).toBe(true)
    const rerun = await project.cli(
      '--json',
      'features',
      'materialize',
      '--incremental',
      '--end',
      '2001-04-01T00:00:00Z',
    )
    expect(rerun.json<{ entities: number }[]>().map((r) => r.entities)).toEqual(reports.map(() => 0))

    // The materialized values are served over HTTP in Feast's get-online-features shape.
    await using strata = await openStrata({ cwd: project.dir, env: {} })
    const app = { fetch: injectFetch(await createServerApp(strata, { version: '0.0.0' })) }
    const res = await app.fetch(
      new Request('http://local/features/online', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          features: ['airport_delays:late_share_24h', 'airport_delays:departures_24h'],
          entities: { origin: ['ATL', 'NOWHERE'] },
        }),
      }),
    )
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      metadata: { feature_names: string[] }
      results: { values: unknown[]; statuses: string[]; event_timestamps: string[] }[]
    }
    expect(body.metadata.feature_names).toEqual(['origin', 'late_share_24h', 'departures_24h'])
    expect(body.results[0]?.values).toEqual(['ATL', 'NOWHERE'])
    // Values of 2001 are long past the view's ttl today, as Feast reports them.
    expect(body.results[2]?.statuses).toEqual(['OUTSIDE_MAX_AGE', 'NOT_FOUND'])
    expect(body.results[2]?.event_timestamps[0]).toMatch(/^2001-01-/)
  }, 900_000)
})
