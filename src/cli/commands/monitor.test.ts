import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateRows, writeJsonLines } from '../../../test/support/drift-data.js'
import { type TempProject, tempProject } from '../../../test/support/temp-project.js'
import type { MonitorReport, MonitorResult } from '../../monitoring/index.js'
import { openStrata } from '../../platform/index.js'

const DAY = 86_400_000
const T0 = Date.UTC(2024, 3, 1)

/** A webhook receiver that fails the first `failFirst` calls with 500. */
function receiver(failFirst: number): Promise<{ server: Server; url: string; calls: unknown[] }> {
  const calls: unknown[] = []
  let seen = 0
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      seen++
      if (seen <= failFirst) {
        res.statusCode = 500
        res.end('busy')
        return
      }
      calls.push(JSON.parse(body))
      res.end('ok')
    })
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, calls }),
    ),
  )
}

describe('strata monitor: reference, apply, run, report, history', () => {
  let project: TempProject
  let hook: Awaited<ReturnType<typeof receiver>>

  beforeAll(async () => {
    project = await tempProject()
    hook = await receiver(2)
    expect((await project.cli('init', '--bare')).code).toBe(0)
    const config = await readFile(join(project.dir, 'strata.config.ts'), 'utf8')
    await writeFile(
      join(project.dir, 'strata.config.ts'),
      config.replace(
        "offline: 'duckdb:',",
        "offline: 'duckdb:',\n  monitors: 'monitors.ts',\n  pipelines: 'pipelines.ts',",
      ),
    )
    await writeFile(
      join(project.dir, 'monitors.ts'),
      `import { monitor } from 'strata-ml'
export const delayDrift = monitor({
  name: 'delay-drift',
  model: 'delay',
  window: { every: '1d', source: { kind: 'dataset', dataset: 'scored', path: 'scored.jsonl', timeColumn: 'ts' } },
  checks: {
    quality: { thresholds: { missing: 0.5 } },
    performance: { task: 'classification', prediction: 'p', label: 'y', min: { auc: 0.6 } },
  },
  actions: [
    { kind: 'webhook', url: '${hook.url}', retries: 3, backoffMs: 10 },
    { kind: 'pipeline', pipeline: 'retrain', params: { until: '{{window.end}}' } },
  ],
})
`,
    )
    await writeFile(
      join(project.dir, 'pipelines.ts'),
      `import { pipeline, step } from 'strata-ml'
const fit = step({ name: 'fit', params: ['until'], run: (ctx) => ({ trainedUntil: ctx.params.until }) })
export const retrain = pipeline({ name: 'retrain', params: { until: '' }, steps: [fit] })
`,
    )
    // Training rows, then scored rows over four days: day 0 like training, days 1–2 shifted, day 3 like training.
    const train = generateRows(
      2000,
      { fare: (_i, r) => r.normal(100, 20), carrier: (i) => ['AA', 'DL', 'UA'][i % 3] },
      1,
    )
    const scored = [0, 1, 2, 3].flatMap((day) =>
      generateRows(
        400,
        {
          ts: (i) => new Date(T0 + day * DAY + i * 1000).toISOString(),
          fare: (_i, r) => r.normal(day === 1 || day === 2 ? 140 : 100, 20),
          carrier: (i) => (day === 1 || day === 2 ? ['AA', 'NK', 'NK'] : ['AA', 'DL', 'UA'])[i % 3],
          // A score that separates the classes; day 3's labels have only half arrived.
          y: (i) => (day === 3 && i % 2 === 1 ? null : i % 4 === 0 ? 1 : 0),
          p: (i, r) => (i % 4 === 0 ? 0.4 + r.uniform() * 0.6 : r.uniform() * 0.6),
        },
        10 + day,
      ),
    )
    await mkdir(join(project.dir, 'in'))
    await writeJsonLines(join(project.dir, 'in', 'train.jsonl'), train)
    await writeJsonLines(join(project.dir, 'in', 'scored.jsonl'), scored)
    await using strata = await openStrata({ cwd: project.dir })
    const data = await strata.data()
    for (const [ds, file] of [
      ['train', 'train.jsonl'],
      ['scored', 'scored.jsonl'],
    ] as const) {
      await data.createDataset(ds)
      await data.commit(ds, {
        message: 'rows',
        changes: [{ path: file, source: join(project.dir, 'in', file) }],
      })
    }
    const registry = await strata.registry()
    await registry.registerVersion('delay', { source: 'file:/nowhere', flavor: 'external' })
    await registry.setAlias('delay', 'champion', 1)
  }, 120_000)

  afterAll(async () => {
    hook?.server.close()
    await project?.[Symbol.asyncDispose]()
  })

  it('computes the reference, applies the monitor, and runs windows: ok, alert (webhook retried), alert again (deduplicated), ok (closed), no data', async () => {
    const ref = await project.cli(
      'monitor',
      'reference',
      'delay@1',
      '--dataset',
      'train@main:train.jsonl',
      '--json',
    )
    expect(ref.code, ref.stderr).toBe(0)
    expect(ref.json<{ rows: number }>().rows).toBe(2000)
    const applied = await project.cli('apply', '--json')
    expect(applied.code, applied.stderr).toBe(0)
    expect(applied.json<{ monitors: { created: string[] } }>().monitors.created).toEqual(['delay-drift'])

    const run = async (day: number) => {
      const r = await project.cli(
        'monitor',
        'run',
        'delay-drift',
        '--window-end',
        new Date(T0 + (day + 1) * DAY).toISOString(),
        '--json',
      )
      expect(r.code, r.stderr).toBe(0)
      return r.json<MonitorReport>()
    }
    const d0 = await run(0)
    expect(d0.result).toMatchObject({ status: 'ok', rows: 400 })
    expect(d0.performance).toMatchObject({
      task: 'classification',
      labeled: 400,
      unlabeled: 0,
      violations: [],
    })
    expect(d0.performance?.metrics.auc).toBeGreaterThan(0.8)
    const d1 = await run(1)
    expect(d1.result.status).toBe('alert')
    expect(d1.drift?.columns.map((c) => [c.column, c.test, c.drifted])).toEqual([
      ['fare', 'wasserstein', true],
      ['carrier', 'jensenshannon', true],
    ])
    expect(d1.quality.find((q) => q.column === 'carrier' && q.check === 'new_categories')).toMatchObject({
      passed: false,
      examples: ['NK'],
    })
    expect(d1.actions[0]).toEqual({
      kind: 'webhook',
      target: hook.url,
      ok: true,
      attempts: 3,
      detail: 'HTTP 200',
    })
    // The retraining pipeline ran once, with the alert's window end as its parameter.
    expect(d1.actions[1]).toMatchObject({ kind: 'pipeline', target: 'retrain', ok: true })
    const runId = /^run (\S+) succeeded$/.exec(d1.actions[1]?.detail ?? '')?.[1] as string
    const output = await project.cli('pipelines', 'output', runId, 'fit', '--json')
    expect(output.json()).toEqual({ trainedUntil: new Date(T0 + 2 * DAY).toISOString() })
    const d2 = await run(2)
    expect(d2.result.status).toBe('alert')
    expect(d2.result.incidentId).toBe(d1.result.incidentId)
    expect(d2.actions).toEqual([])
    expect(hook.calls).toHaveLength(1)
    expect(hook.calls[0]).toMatchObject({
      monitor: 'delay-drift',
      incident: d1.result.incidentId,
      driftedColumns: ['fare', 'carrier'],
    })
    const d3 = await run(3)
    expect(d3.result.status).toBe('ok')
    expect(d3.performance).toMatchObject({ labeled: 200, unlabeled: 200 })
    expect((await run(9)).result).toMatchObject({ status: 'no-data', rows: 0 })

    const history = await project.cli('monitor', 'history', 'delay-drift', '--json')
    const h = history.json<{
      results: MonitorResult[]
      incidents: { closedAt: number | null; windows: number }[]
    }>()
    expect(h.results.map((r) => r.status)).toEqual(['no-data', 'ok', 'alert', 'alert', 'ok'])
    expect(h.incidents).toHaveLength(1)
    expect(h.incidents[0]).toMatchObject({ windows: 2, closedAt: expect.any(Number) })
    // times as every command shows them (UTC, to the second); ISO only in --json
    const human = (await project.cli('monitor', 'history', 'delay-drift')).stdout
    expect(human).toMatch(/incident \S+: opened \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/)
    expect(human).not.toMatch(/\d{4}-\d\d-\d\dT\d\d/)

    const html = join(project.dir, 'report.html')
    const report = await project.cli(
      'monitor',
      'report',
      'delay-drift',
      '--window',
      new Date(T0 + DAY).toISOString(),
      '--html',
      html,
    )
    expect(report.code, report.stderr).toBe(0)
    expect(report.stdout).toMatch(/ALERT/)
    // the performance checks are in the human report too, not only in --json
    expect(report.stdout).toMatch(/^performance \(\d+ labeled, \d+ unlabeled\): auc \d\.\d{3}, logLoss /m)
    const page = await readFile(html, 'utf8')
    expect(page).toMatch(/<svg/)
    expect(page).toMatch(/wasserstein/)
    expect(page).toMatch(/webhook/)
  }, 180_000)

  it('fails with one clear line for an unknown monitor, a bad window and a model version without reference', async () => {
    const unknown = await project.cli('monitor', 'run', 'nope')
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/monitor "nope" is not applied; applied monitors: delay-drift/)
    const bad = await project.cli('monitor', 'run', 'delay-drift', '--window-end', 'yesterday')
    expect(bad.stderr).toMatch(/--window-end "yesterday" is invalid; expected an ISO time/)
    const noRef = await project.cli('monitor', 'report', 'delay-drift', '--window', '2020-01-01T00:00:00Z')
    expect(noRef.stderr).toMatch(/no result for the window starting 2020-01-01/)
  })
})
