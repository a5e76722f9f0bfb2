import { describe, expect, it } from 'vitest'
import { betainc, normalQuantile, studentTQuantile, studentTSf } from './special-functions.js'

// Reference values from SciPy 1.16.3 (scipy.special.betainc, scipy.stats.t.sf / t.ppf, norm.ppf).
describe('special functions against SciPy', () => {
  it('betainc', () => {
    const cases: [number, number, number, number][] = [
      [2, 3, 0.4, 0.5247999999999999],
      [0.5, 7, 0.9, 0.9999999780702157],
      [50, 60, 0.45, 0.46423529143060444],
    ]
    for (const [a, b, x, want] of cases) expect(betainc(a, b, x)).toBeCloseTo(want, 12)
  })

  it("Student's t survival function", () => {
    const cases: [number, number, number][] = [
      [2.1, 5, 0.04487662494229934],
      [-1.3, 12.5, 0.8914689946828555],
      [0.4, 200, 0.34479170216304766],
      [8, 3, 0.0020382887938927333],
    ]
    for (const [t, dof, want] of cases) expect(studentTSf(t, dof)).toBeCloseTo(want, 12)
    const far = studentTSf(30, 40)
    expect(Math.abs(far - 2.4254538302950909e-29) / 2.4254538302950909e-29).toBeLessThan(1e-8)
  })

  it('quantiles', () => {
    expect(studentTQuantile(0.975, 5)).toBeCloseTo(2.570581835636314, 10)
    expect(studentTQuantile(0.025, 12.5)).toBeCloseTo(-2.169185942709956, 10)
    expect(studentTQuantile(0.995, 200)).toBeCloseTo(2.600634436165038, 10)
    expect(studentTQuantile(0.9999, 1)).toBeCloseTo(3183.0987571537103, 6)
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12)
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12)
    expect(normalQuantile(1e-6)).toBeCloseTo(-4.753424308822899, 10)
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536269514722, 12)
  })
})
