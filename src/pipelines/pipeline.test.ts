import { describe, expect, it } from 'vitest'
import { strataThrow } from '../../test/support/strata-error.js'
import { cacheKey } from './cache-key.js'
import { mergeParams } from './params.js'
import { pipeline } from './pipeline.js'
import { datasetInput, type StepRef, step } from './step.js'

const load = step({ name: 'load', run: () => ({ rows: 3 }) })
const double = step({ name: 'double', inputs: { data: load }, run: (_ctx, { data }) => data.rows * 2 })

describe('pipeline()', () => {
  it('orders steps after their inputs and types flow from outputs to inputs', () => {
    const label = step({
      name: 'label',
      inputs: { n: double, flights: datasetInput('flights@main') },
      run: (_ctx, { n, flights }) => `${flights.dataset}@${flights.commit}: ${n.toFixed(1)}`,
    })
    const p = pipeline({ name: 'demo', steps: [label, double, load] })
    expect(p.steps.map((s) => s.name)).toEqual(['load', 'double', 'label'])
    expect(p.upstream.get('label')).toEqual(['double'])
    // A wrong wiring does not compile: `rows` is a number, not a string.
    step({
      name: 'wrong',
      inputs: { data: load },
      // @ts-expect-error data.rows is a number
      run: (_ctx, { data }) => data.rows.toUpperCase(),
    })
  })

  it('rejects a duplicate step name, naming it', () => {
    const err = strataThrow(() =>
      pipeline({ name: 'p', steps: [load, step({ name: 'load', run: () => 1 })] }),
    )
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toContain('two steps are named "load"')
  })

  it('rejects an input naming a step outside the pipeline, listing the steps', () => {
    const err = strataThrow(() => pipeline({ name: 'p', steps: [double] }))
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toContain(
      'step "double" input "data" reads step "load", which is not in the pipeline; steps are double',
    )
  })

  it('rejects a cycle, naming its steps', () => {
    const ref = (name: string): StepRef<number> => ({ kind: 'step', name })
    const a = step({ name: 'a', inputs: { x: ref('c') }, run: (_c, { x }) => x })
    const b = step({ name: 'b', inputs: { x: a }, run: (_c, { x }) => x })
    const c = step({ name: 'c', inputs: { x: b }, run: (_c, { x }) => x })
    const err = strataThrow(() => pipeline({ name: 'p', steps: [a, b, c] }))
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toMatch(/has a cycle: (a → c → b → a|a → c → b|.*→.*→.*)/)
    expect(err.details?.cycle).toHaveLength(4)
  })

  it('rejects a step declaring an unknown param, and a run giving one', () => {
    const s = step({ name: 's', params: ['lr'], run: () => 1 })
    const err = strataThrow(() => pipeline({ name: 'p', params: { rate: 0.1 }, steps: [s] }))
    expect(err.message).toContain(
      'step "s" declares param "lr", which the pipeline does not have; params are rate',
    )
    const p = pipeline({ name: 'p', params: { lr: 0.1, deep: false }, steps: [s] })
    expect(strataThrow(() => mergeParams(p, { lrr: 1 })).message).toContain(
      'has no param "lrr"; params are lr, deep',
    )
    expect(mergeParams(p, { lr: '0.5', deep: 'true' })).toEqual({ lr: 0.5, deep: true })
    expect(strataThrow(() => mergeParams(p, { lr: 'fast' })).message).toContain('param "lr" must be a number')
  })
})

describe('cacheKey', () => {
  it('changes with code, read params and input content, and only with those', () => {
    const s = step({ name: 's', params: ['lr'], run: () => 1 })
    const base = cacheKey(s, { lr: 0.1, other: 1 }, { x: 'output:aa' })
    expect(cacheKey(s, { other: 2, lr: 0.1 }, { x: 'output:aa' }).key).toBe(base.key)
    expect(cacheKey(s, { lr: 0.2, other: 1 }, { x: 'output:aa' }).parts.params).not.toBe(base.parts.params)
    expect(cacheKey(s, { lr: 0.1, other: 1 }, { x: 'output:bb' }).parts.inputs).not.toBe(base.parts.inputs)
    const v2 = step({ name: 's', params: ['lr'], version: '2', run: () => 1 })
    expect(cacheKey(v2, { lr: 0.1 }, { x: 'output:aa' }).parts.code).not.toBe(base.parts.code)
    const otherCode = step({ name: 's', params: ['lr'], run: () => 2 })
    expect(cacheKey(otherCode, { lr: 0.1 }, { x: 'output:aa' }).key).not.toBe(base.key)
  })
})
