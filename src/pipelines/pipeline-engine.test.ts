import { expect, it } from 'vitest'
import { openTestPipelineEngine } from '../../test/support/pipeline-engine.js'
import { strataRejection } from '../../test/support/strata-error.js'
import { describeMetadata } from '../testing/metadata-fixture.js'
import { pipeline } from './pipeline.js'
import { runNode, type StepEvent } from './pipeline-engine.js'
import type { PipelineTables } from './pipeline-migrations.js'
import { datasetInput, step } from './step.js'
import { outputNode } from './step-outputs.js'
import { NonRetryableError } from './step-runner.js'

/** A pipeline counting how often each step really ran. */
function countingPipeline(counts: Map<string, number>, version = '') {
  const bump = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1)
  const load = step({
    name: 'load',
    inputs: { flights: datasetInput('flights@main') },
    params: [],
    run: (_ctx, { flights }) => {
      bump('load')
      return { commit: flights.commit, rows: [1, 2, 3] }
    },
  })
  const train = step({
    name: 'train',
    inputs: { data: load },
    params: ['lr'],
    version,
    run: (ctx, { data }) => {
      bump('train')
      return { weight: data.rows.length * Number(ctx.params.lr) }
    },
  })
  const report = step({
    name: 'report',
    inputs: { model: train, data: load },
    params: [],
    run: (_ctx, { model, data }) => {
      bump('report')
      return `${data.rows.length} rows, weight ${model.weight}`
    },
  })
  return pipeline({ name: 'fti', params: { lr: 0.5, epochs: 2 }, steps: [report, train, load] })
}

describeMetadata('PipelineEngine', (openFresh) => {
  it('runs a DAG, then skips every unchanged step on a second run, and plans why', async () => {
    const counts = new Map<string, number>()
    const { engine } = await openTestPipelineEngine(await openFresh(), [countingPipeline(counts)], {
      commits: { 'flights@main': 'c1' },
    })
    const events: StepEvent[] = []
    const first = await engine.run('fti', { onEvent: (e) => events.push(e) })
    expect(first.run.status).toBe('succeeded')
    expect(first.outputs).toEqual({
      load: { commit: 'c1', rows: [1, 2, 3] },
      train: { weight: 1.5 },
      report: '3 rows, weight 1.5',
    })
    expect(events.filter((e) => e.status === 'succeeded').map((e) => e.step)).toEqual([
      'load',
      'train',
      'report',
    ])
    expect((await engine.plan('fti')).steps.map((s) => [s.step, s.action])).toEqual([
      ['load', 'cached'],
      ['train', 'cached'],
      ['report', 'cached'],
    ])

    const second = await engine.run('fti')
    expect(second.steps.every((s) => s.cached && s.status === 'succeeded')).toBe(true)
    expect(second.outputs).toEqual(first.outputs)
    expect([...counts]).toEqual([
      ['load', 1],
      ['train', 1],
      ['report', 1],
    ])

    // A param only train reads: train re-runs, and report, whose input it computes, is planned to run.
    const plan = await engine.plan('fti', { params: { lr: 1 } })
    expect(plan.steps.map((s) => [s.step, s.action, s.reason])).toEqual([
      ['load', 'cached', 'cached'],
      ['train', 'run', 'params-changed'],
      ['report', 'run', 'upstream-runs'],
    ])
    // A param no step declares changes nothing for steps that declare theirs.
    const epochs = await engine.plan('fti', { params: { epochs: 5 } })
    expect(epochs.steps.map((s) => s.action)).toEqual(['cached', 'cached', 'cached'])
    const third = await engine.run('fti', { params: { lr: 1 } })
    expect(third.outputs.report).toBe('3 rows, weight 3')
    expect(counts.get('train')).toBe(2)
    expect(counts.get('load')).toBe(1)

    const noCache = await engine.plan('fti', { noCache: true })
    expect(noCache.steps.every((s) => s.reason === 'no-cache')).toBe(true)
  })

  it('says which part of the key changed: a new commit of the input, new code', async () => {
    const counts = new Map<string, number>()
    const commits = { 'flights@main': 'c1' }
    const md = await openFresh()
    const { engine } = await openTestPipelineEngine(md, [countingPipeline(counts)], { commits })
    await engine.run('fti')
    commits['flights@main'] = 'c2'
    const plan = await engine.plan('fti')
    expect(plan.resolved).toEqual({ 'load.flights': 'c2' })
    expect(plan.steps[0]).toMatchObject({ step: 'load', action: 'run', reason: 'inputs-changed' })
    expect(plan.steps[0]?.why).toMatch(/^inputs changed since run /)

    const bumped = await openTestPipelineEngine(md, [countingPipeline(counts, 'v2')], {
      commits: { 'flights@main': 'c1' },
    })
    const codePlan = await bumped.engine.plan('fti')
    expect(codePlan.steps.map((s) => s.reason)).toEqual(['cached', 'code-changed', 'upstream-runs'])
  })

  it('records lineage: an output reaches its step run, the pipeline run and the dataset commit', async () => {
    const { engine, ctx } = await openTestPipelineEngine(await openFresh(), [countingPipeline(new Map())], {
      commits: { 'flights@main': 'c9' },
    })
    const result = await engine.run('fti')
    const report = result.steps.find((s) => s.step === 'report')
    const up = await ctx.lineage.upstream(outputNode(report?.outputHash as string))
    const ids = up.nodes.map((n) => n.id)
    expect(ids).toContain(`pipeline-step:${result.run.runId}/report`)
    expect(ids).toContain(runNode(result.run.runId))
    expect(ids).toContain('dataset-commit:c9')
  })

  it('retries with backoff, stops at a NonRetryableError, skips what depends on a failure, and resumes only what did not succeed', async () => {
    let flaky = 0
    let broken = true
    const runs = new Map<string, number>()
    const bump = <T>(n: string, value: T): T => {
      runs.set(n, (runs.get(n) ?? 0) + 1)
      return value
    }
    const a = step({ name: 'a', run: () => bump('a', 1) })
    const b = step({
      name: 'b',
      inputs: { a },
      retries: 2,
      retryDelayMs: 1,
      run: (_c, { a }) => {
        bump('b', 0)
        if (++flaky < 3) throw new Error(`flaky ${flaky}`)
        return a + 1
      },
    })
    const c = step({
      name: 'c',
      inputs: { a },
      retries: 5,
      retryDelayMs: 1,
      run: (_c, { a }) => {
        bump('c', 0)
        if (broken) throw new NonRetryableError('bad data in a')
        return a + 2
      },
    })
    const d = step({ name: 'd', inputs: { b, c }, run: (_c, { b, c }) => bump('d', b + c) })
    const { engine } = await openTestPipelineEngine(await openFresh(), [
      pipeline({ name: 'r', steps: [a, b, c, d] }),
    ])
    const failed = await engine.run('r')
    expect(failed.run.status).toBe('failed')
    const by = new Map(failed.steps.map((s) => [s.step, s]))
    expect(by.get('b')).toMatchObject({ status: 'succeeded', attempt: 3 })
    expect(by.get('c')).toMatchObject({ status: 'failed', attempt: 1 })
    expect(by.get('c')?.error).toContain('step "c" (attempt 1) failed: bad data in a')
    expect(by.get('c')?.error).toContain('pipeline-engine.test.ts')
    expect(by.get('d')?.status).toBe('skipped')

    broken = false
    const resumed = await engine.resume(failed.run.runId)
    expect(resumed.run.status).toBe('succeeded')
    expect(resumed.outputs.d).toBe(5)
    expect([...runs].sort()).toEqual([
      ['a', 1],
      ['b', 3],
      ['c', 2],
      ['d', 1],
    ])
    expect(resumed.steps.find((s) => s.step === 'c')?.attempt).toBe(2)
  })

  it('rejects unknown pipelines, params and dataset refs before anything runs, and a non-JSON output', async () => {
    const bad = step({ name: 'bad', run: () => new Map() as unknown as string })
    const { engine } = await openTestPipelineEngine(await openFresh(), [
      countingPipeline(new Map()),
      pipeline({ name: 'bad', steps: [bad] }),
    ])
    expect((await strataRejection(engine.run('nope'))).message).toBe(
      'pipeline "nope" does not exist; pipelines are bad, fti',
    )
    expect((await strataRejection(engine.run('fti', { params: { rate: 1 } }))).message).toContain(
      'params are lr, epochs',
    )
    expect((await strataRejection(engine.run('fti'))).message).toContain('flights@main does not exist')
    expect(await engine.runs()).toEqual([])
    const result = await engine.run('bad')
    expect(result.steps[0]?.error).toContain('returned a value that is not JSON: output is a Map')
  })

  it('refuses to resume a run whose coordinator still beats, unless forced', async () => {
    const { engine } = await openTestPipelineEngine(await openFresh(), [countingPipeline(new Map())], {
      commits: { 'flights@main': 'c1' },
    })
    const run = await engine.start('fti')
    const err = await strataRejection(engine.resume(run.runId))
    expect(err.code).toBe('CONFLICT')
    const done = await engine.resume(run.runId, { force: true })
    expect(done.run.status).toBe('succeeded')
  })

  it('of two coordinators resuming the same abandoned run at once, only one drives it: every step runs once', async () => {
    const counts = new Map<string, number>()
    const { engine, ctx } = await openTestPipelineEngine(await openFresh(), [countingPipeline(counts)], {
      commits: { 'flights@main': 'c1' },
    })
    const run = await engine.start('fti')
    // its coordinator last beat a minute ago: abandoned for both, which read it before either
    // claims it (a coordinator that reads it after the claim sees a fresh heartbeat)
    await ctx.metadata.db
      .withTables<PipelineTables>()
      .updateTable('pipeline_runs')
      .set({ heartbeat_at: Date.now() - 60_000 })
      .where('run_id', '=', run.runId)
      .execute()
    const [a, b] = await Promise.allSettled([engine.resume(run.runId), engine.resume(run.runId)])
    const outcomes = [a, b].map((o) => (o.status === 'fulfilled' ? o.value.run.status : o.reason.code)).sort()
    // the loser is refused, or (when it read the run only after the winner finished) answers the result
    expect([['CONFLICT', 'succeeded'].join(), ['succeeded', 'succeeded'].join()]).toContain(outcomes.join())
    // every step ran exactly once
    expect(Object.fromEntries(counts)).toEqual({ load: 1, train: 1, report: 1 })
  })
})
