import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TempProject, tempProject } from '../../../test/support/temp-project.js'

const PIPELINES = `
import { datasetInput, NonRetryableError, onCommit, pipeline, step } from 'strata-ml'

const numbers = step({ name: 'numbers', params: ['n'], run: (ctx) => Array.from({ length: Number(ctx.params.n) }, (_, i) => i + 1) })
const total = step({ name: 'total', inputs: { numbers }, params: [], run: (ctx, { numbers }) => {
  ctx.log('adding ' + numbers.length + ' numbers')
  return { sum: numbers.reduce((a, b) => a + b, 0) }
} })
export const sums = pipeline({ name: 'sums', description: 'adds 1..n', params: { n: 3 }, steps: [numbers, total] })

const boom = step({ name: 'boom', run: () => { throw new NonRetryableError('no data for boom') } })
const after = step({ name: 'after', inputs: { boom }, run: () => 1 })
export const broken = pipeline({ name: 'broken', steps: [boom, after] })

const lines = step({ name: 'lines', inputs: { notes: datasetInput('notes@main') }, run: (_ctx, { notes }) => notes.commit })
export const onNotes = pipeline({ name: 'on-notes', steps: [lines], triggers: [onCommit('notes@main')] })
`

// Each CLI call loads the config and the pipelines module through jiti: seconds each on a loaded machine.
// Steps run on the engine's thread (stepThreads: 0): a step thread started from TypeScript sources
// loads all of strata-ml through jiti (many seconds per CLI call); threads are tested in
// src/pipelines/step-threads.test.ts and by the BullMQ worker test (from dist/).
describe('strata pipelines', { timeout: 600_000 }, () => {
  let project: TempProject
  beforeAll(async () => {
    project = await tempProject('strata-pipelines-cli-')
    writeFileSync(
      join(project.dir, 'strata.config.ts'),
      `export default { pipelines: 'pipelines.ts', stepThreads: 0 }\n`,
    )
    writeFileSync(join(project.dir, 'pipelines.ts'), PIPELINES)
  })
  afterAll(async () => {
    await project[Symbol.asyncDispose]()
  })

  it('lists pipelines with their steps and params', async () => {
    const res = await project.cli('--json', 'pipelines', 'list')
    expect(res.code).toBe(0)
    const { pipelines } = res.json<{
      pipelines: { name: string; params: unknown; steps: { name: string }[] }[]
    }>()
    expect(pipelines.map((p) => [p.name, p.steps.map((s) => s.name)])).toEqual([
      ['broken', ['boom', 'after']],
      ['on-notes', ['lines']],
      ['sums', ['numbers', 'total']],
    ])
    const human = await project.cli('pipelines', 'list')
    expect(human.stdout).toContain('numbers → total')
  })

  it('runs with params, then plans and runs again from the cache, saying why', async () => {
    const first = await project.cli('--json', 'pipelines', 'run', 'sums', '--param', 'n=4')
    expect(first.code).toBe(0)
    const result = first.json<{ run: { runId: string; status: string }; outputs: Record<string, unknown> }>()
    expect(result.run.status).toBe('succeeded')
    expect(result.outputs).toEqual({ numbers: [1, 2, 3, 4], total: { sum: 10 } })

    const plan = await project.cli('pipelines', 'plan', 'sums', '--param', 'n=4')
    expect(plan.code).toBe(0)
    expect(plan.stdout).toMatch(/numbers\s+cached\s+same code, params and inputs as in run/)
    const changed = await project.cli('--json', 'pipelines', 'plan', 'sums', '--param', 'n=5')
    const steps = changed.json<{ steps: { step: string; reason: string }[] }>().steps
    expect(steps.map((s) => s.reason)).toEqual(['params-changed', 'upstream-runs'])

    const again = await project.cli(
      'pipelines',
      'run',
      'sums',
      '--param',
      'n=4',
      '--name',
      'second',
      '--tag',
      'team=risk',
    )
    expect(again.code).toBe(0)
    expect(again.stderr).toContain('✓ numbers succeeded (cached)')
    expect(again.stdout).toMatch(/total\s+succeeded\s+[\d.]+ s\s+yes/)

    const runs = await project.cli('--json', 'pipelines', 'runs', 'sums')
    expect(runs.json<{ runs: unknown[] }>().runs).toHaveLength(2)
    const tagged = await project.cli('--json', 'pipelines', 'runs', '--filter', "tags.team = 'risk'")
    expect(tagged.json<{ runs: { name: string }[] }>().runs.map((r) => r.name)).toEqual(['second'])
    const filtered = await project.cli(
      '--json',
      'pipelines',
      'runs',
      '--filter',
      "status = 'succeeded' AND pipeline LIKE 'su%'",
      '-n',
      '1',
    )
    const page = filtered.json<{ runs: { pipeline: string }[]; nextPageToken: string | null }>()
    expect(page.runs.map((r) => r.pipeline)).toEqual(['sums'])
    expect(page.nextPageToken).not.toBeNull()
    const badFilter = await project.cli('pipelines', 'runs', '--filter', 'metrics.x > 1')
    expect(badFilter.code).toBe(1)
    const show = await project.cli('pipelines', 'show', result.run.runId)
    expect(show.stdout).toContain(`run ${result.run.runId} of sums: succeeded`)
    const output = await project.cli('--json', 'pipelines', 'output', result.run.runId, 'total')
    expect(output.json()).toEqual({ sum: 10 })
  })

  it('exits 1 with one line for a failed step, an unknown pipeline or param, and a worker without a queue', async () => {
    const failed = await project.cli('pipelines', 'run', 'broken')
    expect(failed.code).toBe(1)
    expect(failed.stdout).toMatch(/boom\s+failed.*no data for boom/)
    expect(failed.stdout).toMatch(/after\s+skipped/)

    const unknown = await project.cli('pipelines', 'run', 'nope')
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toBe(
      'error: pipeline "nope" does not exist; pipelines are broken, on-notes, sums\n',
    )
    const param = await project.cli('pipelines', 'run', 'sums', '--param', 'm=1')
    expect(param.stderr).toBe('error: pipeline "sums" has no param "m"; params are n\n')
    const bad = await project.cli('pipelines', 'run', 'sums', '--param', 'n')
    expect(bad.stderr).toContain('--param "n" is invalid; expected name=value')
    const worker = await project.cli('worker')
    expect(worker.code).toBe(1)
    expect(worker.stderr).toContain('the executor is "local"')
  })

  it('fires a commit trigger once per commit with strata scheduler --once, and lists triggers', async () => {
    const never = await project.cli('--json', 'pipelines', 'triggers')
    expect(never.json()).toEqual({
      triggers: [{ pipeline: 'on-notes', trigger: 'commit:notes@main', lastFire: null }],
    })
    writeFileSync(join(project.dir, 'a.txt'), 'hello')
    expect((await project.cli('data', 'create', 'notes')).code).toBe(0)
    const commit = await project.cli(
      '--json',
      'data',
      'commit',
      'notes',
      join(project.dir, 'a.txt'),
      '-m',
      'first',
    )
    expect(commit.code).toBe(0)
    const fired = await project.cli('--json', 'scheduler', '--once')
    expect(fired.code).toBe(0)
    const runs = fired.json<{
      runs: { pipeline: string; trigger: string; fireKey: string; status: string }[]
    }>().runs
    expect(runs.map((r) => [r.pipeline, r.trigger, r.status])).toEqual([
      ['on-notes', 'commit:notes@main', 'succeeded'],
    ])
    const again = await project.cli('--json', 'scheduler', '--once')
    expect(again.json()).toEqual({ runs: [] })
    const listed = await project.cli('pipelines', 'triggers')
    // times as every command shows them (UTC, to the second); ISO only in --json
    expect(listed.stdout).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/)
    expect(listed.stdout).not.toMatch(/\d{4}-\d\d-\d\dT\d\d/)
    expect(listed.stdout).toMatch(
      new RegExp(`on-notes\\s+commit:notes@main\\s+\\S+ \\S+\\s+${runs[0]?.fireKey}`),
    )
  })
})
