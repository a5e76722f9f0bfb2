import { expect, it } from 'vitest'
import { histogramOf, histogramOfSorted } from '../profile/histogram.js'
import type { Binning } from '../profile/profile-types.js'
import { sortFinite } from './bucket-sort.js'
import { wasserstein1 } from './distances.js'
import { wasserstein1Indexed } from './wasserstein-indexed.js'

/** A seeded generator (Park–Miller) and a normal deviate from it. */
function random(seed: number): { uniform(): number; normal(): number } {
  let s = seed
  const uniform = () => {
    s = (s * 16807) % 2147483647
    return s / 2147483647
  }
  return { uniform, normal: () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()) }
}

const sorted = (n: number, f: () => number) => Float64Array.from({ length: n }, f).sort()

it('the indexed Wasserstein distance equals the merge walk: shifts both ways, ties, offsets, one-value sides', () => {
  const r = random(11)
  const cases: [Float64Array, Float64Array][] = [
    [sorted(200_000, () => r.normal() * 10), sorted(20_000, () => r.normal() * 10 + 2)],
    [sorted(200_000, () => r.normal() * 10), sorted(20_000, () => r.normal() * 3 - 4)],
    [sorted(100_000, () => Math.round(r.normal() * 3)), sorted(10_000, () => Math.round(r.normal() * 5 + 1))],
    [sorted(100_000, () => 1.7e12 + r.normal() * 1e9), sorted(10_000, () => 1.7e12 + r.normal() * 2e9)],
    [sorted(7, () => r.uniform()), Float64Array.of(0.5)],
    [Float64Array.of(1, 1, 1, 1), Float64Array.of(2)],
    // sizes that do not divide; a window drawn from the reference itself (runs straddling its values)
    [sorted(123_457, () => r.normal()), sorted(9_999, () => r.normal())],
    (() => {
      const u = sorted(150_001, () => r.normal() * 2 + 5)
      return [u, sorted(7_001, () => u[Math.floor(r.uniform() * u.length)] as number)]
    })(),
    // drift one way in the middle only: the sign of Q_u − Q_v changes several times
    [
      sorted(80_000, () => r.normal()),
      sorted(8_000, () => (r.uniform() < 0.5 ? r.normal() * 0.5 : r.normal() * 2)),
    ],
  ]
  for (let t = 0; t < 300; t++) {
    const dup = t % 2 === 0
    const shift = r.uniform() * 4 - 2
    const scale = 0.3 + r.uniform() * 3
    cases.push([
      sorted(50 + Math.floor(r.uniform() * 3000), () => (dup ? Math.round(r.normal() * 4) : r.normal())),
      sorted(1 + Math.floor(r.uniform() * 300), () =>
        dup ? Math.round(r.normal() * 4 * scale + shift) : r.normal() * scale + shift,
      ),
    ])
  }
  for (const [u, v] of cases) {
    const walk = wasserstein1(u, v)
    expect(Math.abs(wasserstein1Indexed(u, v) - walk)).toBeLessThanOrEqual(1e-12 * Math.max(1, walk))
    // cached index: the same answer again
    expect(wasserstein1Indexed(u, v)).toBe(wasserstein1Indexed(u, v))
  }
})

it('the bucket sort gives exactly the built-in order: negatives, −0/+0, subnormals, ties, skew, one value', () => {
  const r = random(5)
  const inputs = [
    Float64Array.from({ length: 100_000 }, () => r.normal() * 1000),
    Float64Array.from({ length: 50_000 }, () => Math.round(r.normal() * 3)),
    Float64Array.from({ length: 20_000 }, (_, i) =>
      i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : r.normal() * 1e-310,
    ),
    Float64Array.from({ length: 30_000 }, () => (r.uniform() < 0.01 ? 1e300 : r.uniform())),
    new Float64Array(5_000).fill(4.5),
    // skewed: most values in a few buckets of the column's range, bucket-sorted again
    Float64Array.from({ length: 100_000 }, () => Math.exp(3 * r.normal())),
    // −0 and +0 among spread values (insertion-sorted buckets)
    Float64Array.from({ length: 40_000 }, (_, i) => (i % 7 === 0 ? -0 : i % 7 === 1 ? 0 : r.normal())),
    Float64Array.of(3, -1, 2),
  ]
  for (const values of inputs) {
    let min = Number.POSITIVE_INFINITY
    let max = Number.NEGATIVE_INFINITY
    for (const x of values) {
      min = Math.min(min, x)
      max = Math.max(max, x)
    }
    const expected = values.slice().sort()
    const actual = sortFinite(values, min, max)
    expect(actual.length).toBe(expected.length)
    expect(actual.every((x, i) => Object.is(x, expected[i]))).toBe(true)
  }
})

it('the histogram of sorted values equals the value-by-value one: outside the bins, ties, edges, one bin', () => {
  const r = random(23)
  const cases: [Float64Array, Binning][] = [
    [sorted(100_000, () => r.normal() * 3 + 50), { lo: 45, hi: 52, bins: 1000 }],
    [sorted(50_000, () => Math.round(r.normal() * 3)), { lo: -2, hi: 2, bins: 1000 }],
    [sorted(10_000, () => Math.floor(r.uniform() * 11) / 10), { lo: 0, hi: 1, bins: 10 }],
    [sorted(1_000, () => r.uniform()), { lo: 0.2, hi: 0.3, bins: 1 }],
    [Float64Array.of(5), { lo: 4.5, hi: 5.5, bins: 1000 }],
    [new Float64Array(0), { lo: 0, hi: 1, bins: 4 }],
  ]
  for (const [values, binning] of cases)
    expect(histogramOfSorted(values, binning)).toEqual(histogramOf(values, binning))
})
