import { describe, expect, it } from 'vitest'
import { strataThrow } from '../../../test/support/strata-error.js'
import { categoricalSample, numericSample } from './column-sample.js'
import { computeDrift } from './dataset-drift.js'

describe('computeDrift: bad data is a signal, never a crash', () => {
  it('an empty current column is reported as empty-current and not counted in the share', () => {
    const drift = computeDrift(
      { a: numericSample([1, 2, 3, 4, 5, 6, 7]), b: numericSample([1, 2, 3, 4, 5, 6, 7]) },
      { a: numericSample([null, null, Number.NaN]), b: numericSample([8, 9, 10, 11, 12, 13]) },
    )
    const a = drift.columns.find((c) => c.column === 'a')
    expect(a).toMatchObject({ status: 'empty-current', score: null, drifted: false, currentMissing: 3 })
    expect(drift.tested).toBe(1)
    expect(drift.drifted).toBe(1)
    expect(drift.datasetDrift).toBe(true)
  })

  it('an all-null reference column and a column absent from the window are signals', () => {
    const drift = computeDrift(
      { gone: categoricalSample(['x', 'y']), blank: numericSample([null, null]) },
      { blank: numericSample([1, 2]) },
    )
    expect(drift.columns.map((c) => [c.column, c.status])).toEqual([
      ['gone', 'empty-current'],
      ['blank', 'empty-reference'],
    ])
    expect(drift).toMatchObject({ tested: 0, share: 0, datasetDrift: false })
  })

  it('±∞ and NaN count as missing; a new category is listed', () => {
    const ref = numericSample([1, Number.POSITIVE_INFINITY, 2, Number.NEGATIVE_INFINITY])
    expect(ref).toMatchObject({ missing: 2 })
    expect(Array.from(ref.values)).toEqual([1, 2])
    const drift = computeDrift(
      { c: categoricalSample(['a', 'b', 'a']) },
      { c: categoricalSample(['a', 'z', null]) },
    )
    expect(drift.columns[0]).toMatchObject({ newCategories: ['z'], currentMissing: 1, status: 'tested' })
  })

  it('a column whose kind changed is reported, not tested', () => {
    const drift = computeDrift({ c: numericSample([1, 2, 3]) }, { c: categoricalSample(['a']) })
    expect(drift.columns[0]).toMatchObject({ status: 'kind-mismatch', score: null })
  })

  it('rejects an unknown test, a test for the wrong kind, a bad threshold and an unknown column, naming the value', () => {
    const ref = { n: numericSample([1, 2, 3, 4, 5, 6, 7]) }
    const cur = { n: numericSample([1, 2, 3, 4, 5, 6, 8]) }
    {
      const err = strataThrow(() => computeDrift(ref, cur, { columns: { n: { test: 'tt' as never } } }))
      expect(err.code).toBe('INVALID_ARGUMENT')
      expect(err.message).toMatch(/"tt".*ks, chisquare/)
    }
    {
      const err = strataThrow(() => computeDrift(ref, cur, { columns: { n: { test: 'chisquare' } } }))
      expect(err.code).toBe('INVALID_ARGUMENT')
      expect(err.message).toMatch(/"chisquare" does not apply to numeric column "n"/)
    }
    {
      const err = strataThrow(() => computeDrift(ref, cur, { columns: { n: { threshold: -1 } } }))
      expect(err.code).toBe('INVALID_ARGUMENT')
      expect(err.message).toMatch(/threshold -1/)
    }
    {
      const err = strataThrow(() => computeDrift(ref, cur, { columns: { fare: {} } }))
      expect(err.code).toBe('INVALID_ARGUMENT')
      expect(err.message).toMatch(/"fare".*columns are n/)
    }
  })

  it('chooses Evidently default tests by reference size and distinct values', () => {
    const many = (n: number, shift = 0) =>
      numericSample(Array.from({ length: n }, (_, i) => (i % 97) + shift))
    const small = computeDrift({ x: many(1000) }, { x: many(50) })
    const large = computeDrift({ x: many(1001) }, { x: many(50) })
    expect(small.columns[0]?.test).toBe('ks')
    expect(large.columns[0]?.test).toBe('wasserstein')
    const binary = computeDrift({ b: numericSample([0, 1, 0, 1]) }, { b: numericSample([0, 0]) })
    expect(binary.columns[0]?.test).toBe('z')
  })
})
