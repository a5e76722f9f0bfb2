import { describe, expect, it } from 'vitest'
import { minimizeLbfgs } from './lbfgs.js'

describe('minimizeLbfgs', () => {
  it('finds the minimum of an ill-conditioned quadratic', () => {
    const scales = [1, 10, 100, 1000, 1e4]
    const target = [3, -1, 0.5, 2, -4]
    const r = minimizeLbfgs(
      (x, g) => {
        let f = 0
        scales.forEach((s, i) => {
          const d = (x[i] as number) - (target[i] as number)
          f += 0.5 * s * d * d
          g[i] = s * d
        })
        return f
      },
      new Float64Array(5),
      { gradientTolerance: 1e-9, lossTolerance: 0, maxIterations: 500 },
    )
    expect(r.reason).toBe('gradient')
    r.x.forEach((v, i) => {
      expect(v).toBeCloseTo(target[i] as number, 6)
    })
  })

  it('solves the Rosenbrock function and reports a decreasing loss each iteration', () => {
    const losses: number[] = []
    const r = minimizeLbfgs(
      (x, g) => {
        const a = x[0] as number
        const b = x[1] as number
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a)
        g[1] = 200 * (b - a * a)
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2
      },
      Float64Array.from([-1.2, 1]),
      {
        maxIterations: 1000,
        gradientTolerance: 1e-8,
        onIteration: (it) => {
          losses.push(it.loss)
          return undefined
        },
      },
    )
    expect(r.x[0]).toBeCloseTo(1, 5)
    expect(r.x[1]).toBeCloseTo(1, 5)
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1] as number)
  })

  it('stops when the callback returns false', () => {
    const r = minimizeLbfgs(
      (x, g) => {
        g[0] = 2 * ((x[0] as number) - 10)
        return ((x[0] as number) - 10) ** 2
      },
      new Float64Array(1),
      { onIteration: () => false },
    )
    expect(r.reason).toBe('callback')
    expect(r.iterations).toBe(1)
  })
})
