import { expect, it } from 'vitest'
import { openTestPipelineEngine } from '../../test/support/pipeline-engine.js'
import { strataRejection } from '../../test/support/strata-error.js'
import { describeMetadata } from '../testing/metadata-fixture.js'
import { overParam } from './map-source.js'
import { mapStep } from './map-step.js'
import { pipeline } from './pipeline.js'
import type { StepEvent } from './pipeline-engine.js'
import { step } from './step.js'
import { NonRetryableError } from './step-runner.js'

/** A grid search: one element per learning rate, a fan-in picking the best; counts real runs per lr. */
function gridPipeline(ran: number[], failOnce: Set<number> = new Set()) {
  const train = mapStep({
    name: 'train',
    over: overParam<number>('grid'),
    params: ['grid', 'scale'],
    run: (ctx, lr) => {
      ran.push(lr)
      if (failOnce.delete(lr)) throw new NonRetryableError(`lr ${lr} diverged`)
      ctx.log(`training with lr ${lr} (element ${ctx.element?.index})`)
      return { lr, loss: Math.abs(lr - 0.3) * Number(ctx.params.scale) }
    },
  })
  const best = step({
    name: 'best',
    inputs: { all: train },
    // `all` is typed `{ lr: number; loss: number }[]`, in the grid's order.
    run: (_ctx, { all }) => ({
      order: all.map((r) => r.lr),
      best: [...all].sort((a, b) => a.loss - b.loss)[0]?.lr ?? null,
    }),
  })
  return pipeline({ name: 'grid', params: { grid: [0.1, 0.2, 0.3, 0.4], scale: 1 }, steps: [train, best] })
}

describeMetadata('Mapped steps (fan-out and fan-in)', (openFresh) => {
  it('runs one element per item, fans in in order, and caches elements by their content', async () => {
    const ran: number[] = []
    const { engine } = await openTestPipelineEngine(await openFresh(), [gridPipeline(ran)])
    const events: StepEvent[] = []
    const first = await engine.run('grid', { onEvent: (e) => events.push(e) })
    expect(first.run.status).toBe('succeeded')
    expect(first.outputs.best).toEqual({ order: [0.1, 0.2, 0.3, 0.4], best: 0.3 })
    expect(first.outputs.train).toHaveLength(4)
    expect([...ran].sort()).toEqual([0.1, 0.2, 0.3, 0.4])
    const trainRow = first.steps.find((s) => s.step === 'train')
    expect(trainRow?.elements).toEqual({ total: 4, succeeded: 4 })
    expect(events.find((e) => e.step === 'train' && e.status === 'succeeded')?.elements).toEqual({
      ran: 4,
      cached: 0,
      failed: 0,
      total: 4,
    })
    // Each element is its own step run: own attempts, cache key, output and log.
    const elements = await engine.elements(first.run.runId, 'train')
    expect(elements.map((e) => [e.index, e.key, e.status, e.attempt, e.cached])).toEqual([
      [0, '0', 'succeeded', 1, false],
      [1, '1', 'succeeded', 1, false],
      [2, '2', 'succeeded', 1, false],
      [3, '3', 'succeeded', 1, false],
    ])
    expect(new Set(elements.map((e) => e.cacheKey)).size).toBe(4)
    expect(await engine.output(first.run.runId, 'train[2]')).toEqual({ lr: 0.3, loss: 0 })
    expect(await engine.logs(first.run.runId, 'train[1]')).toEqual([
      { step: 'train[1]', attempt: 1, lines: ['training with lr 0.2 (element 1)'] },
    ])

    // Same grid in another order: every element hits (the key is the item's content, not its index).
    ran.length = 0
    const plan = await engine.plan('grid', { params: { grid: [0.4, 0.3, 0.2, 0.1, 0.5] } })
    const trainPlan = plan.steps.find((s) => s.step === 'train')
    expect(trainPlan?.elements?.items.map((e) => [e.key, e.action, e.reason])).toEqual([
      ['0', 'cached', 'cached'],
      ['1', 'cached', 'cached'],
      ['2', 'cached', 'cached'],
      ['3', 'cached', 'cached'],
      ['4', 'run', 'new-element'],
    ])
    expect(trainPlan?.why).toMatch(/^1 of 5 elements run \(1 new-element\), 4 cached/)
    const second = await engine.run('grid', { params: { grid: [0.4, 0.3, 0.2, 0.1, 0.5] } })
    expect(ran).toEqual([0.5])
    expect(second.outputs.best).toEqual({ order: [0.4, 0.3, 0.2, 0.1, 0.5], best: 0.3 })
    expect(second.steps.find((s) => s.step === 'train')?.elements).toEqual({ total: 5, succeeded: 5 })

    // A param the step reads changes every element's key; the plan says so per element.
    const rescaled = await engine.plan('grid', { params: { grid: [0.4, 0.3, 0.2, 0.1, 0.5], scale: 2 } })
    expect(rescaled.steps.find((s) => s.step === 'train')?.elements?.items.map((e) => e.reason)).toEqual(
      Array(5).fill('params-changed'),
    )

    // Fully cached: the group hits as a whole, and so does the fan-in.
    ran.length = 0
    const third = await engine.run('grid', { params: { grid: [0.4, 0.3, 0.2, 0.1, 0.5] } })
    expect(ran).toEqual([])
    expect(third.steps.every((s) => s.cached)).toBe(true)
    const cachedPlan = await engine.plan('grid', { params: { grid: [0.4, 0.3, 0.2, 0.1, 0.5] } })
    expect(cachedPlan.steps.map((s) => s.action)).toEqual(['cached', 'cached'])
  })

  it('fails the group when an element fails, keeps the others, and resume re-runs only the failed one', async () => {
    const ran: number[] = []
    const { engine } = await openTestPipelineEngine(await openFresh(), [gridPipeline(ran, new Set([0.2]))])
    const first = await engine.run('grid')
    expect(first.run.status).toBe('failed')
    const train = first.steps.find((s) => s.step === 'train')
    expect(train?.status).toBe('failed')
    expect(train?.error).toContain('1 of 4 elements failed: train[1] (1)')
    expect(train?.error).toContain('lr 0.2 diverged')
    expect(train?.elements).toEqual({ total: 4, succeeded: 3, failed: 1 })
    expect(first.steps.find((s) => s.step === 'best')?.status).toBe('skipped')
    const failed = await engine.elements(first.run.runId, 'train', { status: 'failed' })
    expect(failed.map((e) => [e.index, e.attempt])).toEqual([[1, 1]])
    expect(failed[0]?.error).toContain('diverged')

    ran.length = 0
    const resumed = await engine.resume(first.run.runId)
    expect(resumed.run.status).toBe('succeeded')
    expect(ran).toEqual([0.2])
    const elements = await engine.elements(first.run.runId, 'train')
    expect(elements.map((e) => e.attempt)).toEqual([1, 2, 1, 1])
    expect(resumed.outputs.best).toEqual({ order: [0.1, 0.2, 0.3, 0.4], best: 0.3 })
  })

  it('maps over an upstream list output and rejects a mapped param that is not a list', async () => {
    const grid = step({ name: 'grid', run: () => [{ depth: 2 }, { depth: 4 }, { depth: 8 }] })
    const fit = mapStep({ name: 'fit', over: grid, run: (_c, g) => g.depth * 10 })
    const sum = step({
      name: 'sum',
      inputs: { all: fit },
      run: (_c, { all }) => all.reduce((a, b) => a + b, 0),
    })
    const { engine } = await openTestPipelineEngine(await openFresh(), [
      pipeline({ name: 'trees', steps: [sum, fit, grid] }),
    ])
    const result = await engine.run('trees')
    expect(result.outputs.sum).toBe(140)
    expect(result.outputs.fit).toEqual([20, 40, 80])

    const bad = await strataRejection(
      Promise.resolve().then(() =>
        pipeline({
          name: 'bad',
          params: { lr: 0.1 },
          steps: [mapStep({ name: 'm', over: overParam('lr'), run: (_c, x) => x })],
        }),
      ),
    )
    expect(bad.code).toBe('INVALID_ARGUMENT')
    expect(bad.message).toContain(
      'step "m" maps over param "lr", which is not a list; list params are (none)',
    )
  })

  it('wires types: mapping over a step that does not output a list is a compile error', () => {
    const one = step({ name: 'one', run: () => 1 })
    // @ts-expect-error: `one` outputs a number, not a list
    mapStep({ name: 'bad', over: one, run: (_c, x) => x })
    const list = step({ name: 'list', run: () => ['a', 'b'] })
    const upper = mapStep({ name: 'upper', over: list, run: (_c, x) => x.toUpperCase() })
    // @ts-expect-error: the fan-in gets string[], not a number
    step({ name: 'len', inputs: { all: upper }, run: (_c, { all }) => all.toFixed(1) })
    expect(upper.map?.source).toEqual({ kind: 'step', name: 'list' })
  })

  it('fans out 2,000 elements into one fan-in with batched writes', async () => {
    const items = Array.from({ length: 2000 }, (_, i) => i)
    const square = mapStep({
      name: 'square',
      over: overParam<number>('n'),
      isolate: false,
      run: (_c, x) => x * x,
    })
    const total = step({ name: 'total', inputs: { all: square }, run: (_c, { all }) => all.length })
    const { engine } = await openTestPipelineEngine(await openFresh(), [
      pipeline({ name: 'wide', params: { n: items }, steps: [square, total] }),
    ])
    const result = await engine.run('wide')
    expect(result.outputs.total).toBe(2000)
    expect((result.outputs.square as number[])[1999]).toBe(1999 * 1999)
    expect(result.steps.find((s) => s.step === 'square')?.elements).toEqual({ total: 2000, succeeded: 2000 })
    const again = await engine.run('wide')
    expect(again.steps.find((s) => s.step === 'square')?.cached).toBe(true)
    expect(
      (await engine.elements(again.run.runId, 'square', { status: 'succeeded', offset: 1990 })).length,
    ).toBe(10)
  })
})
