import { describe, expect, it } from 'vitest'
import { createTracing, silentTracing } from './tracing.js'

describe('createTracing', () => {
  it('writes one line per timed phase of an enabled area, also when the phase throws', async () => {
    const lines: string[] = []
    let t = 0
    const tracing = createTracing({
      areas: 'features, data',
      write: (l) => lines.push(l),
      now: () => (t += 5),
    })
    expect(await tracing.timed('features', 'compute view', async () => 42)).toBe(42)
    await expect(
      tracing.timed('data', 'commit', async () => {
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await tracing.timed('registry', 'register', async () => 'quiet')).toBe('quiet')
    expect(lines).toEqual(['features: compute view 5 ms\n', 'data: commit 5 ms\n'])
    expect(tracing.enabled('registry')).toBe(false)
  })

  it('times every area with "*" and nothing when the areas are empty', async () => {
    const lines: string[] = []
    const all = createTracing({ areas: '*', write: (l) => lines.push(l), now: () => 0 })
    await all.timed('anything', 'x', async () => undefined)
    expect(lines).toEqual(['anything: x 0 ms\n'])
    expect(createTracing({ areas: '', write: () => {} })).toBe(silentTracing)
    expect(createTracing({ areas: undefined, write: () => {} }).enabled('features')).toBe(false)
  })
})
