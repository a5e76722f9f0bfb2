import { expect, it } from 'vitest'
import { strataThrow } from '../../../test/support/strata-error.js'
import { profileValues } from '../profile/profile-values.js'
import { referenceBinnings } from '../reference/reference-store.js'
import { checkQuality } from './quality-checks.js'

const reference = profileValues({
  fare: { kind: 'numeric', values: [10, 20, 30, 40, 50, null] },
  carrier: { kind: 'categorical', values: ['AA', 'DL', 'AA', 'UA'] },
}).profile

it('measures missing share, out-of-range values, new categories and type violations against thresholds', () => {
  const window = profileValues(
    {
      fare: { kind: 'numeric', values: [5, 20, 30, 60, 70, null, null, 'x', 25, 35] },
      carrier: { kind: 'categorical', values: ['AA', 'NK', 'NK', 'B6', null] },
    },
    { binnings: referenceBinnings(reference) },
  ).profile
  const results = checkQuality(reference, window, { columns: { carrier: { new_categories: 0.5 } } })
  const by = Object.fromEntries(results.map((r) => [`${r.column}.${r.check}`, r]))
  // fare: 10 rows, 2 missing, 1 type violation, 7 valid of which 5, 60, 70 fall outside [10, 50].
  // The reference itself misses 1 of 6: the default allows its share + 0.05.
  expect(by['fare.missing']).toMatchObject({ rows: 2, value: 0.2, passed: true })
  expect(by['fare.missing']?.threshold).toBeCloseTo(1 / 6 + 0.05, 12)
  expect(by['fare.type_violations']).toMatchObject({ rows: 1, value: 0.1, threshold: 0, passed: false })
  expect(by['fare.out_of_range']).toMatchObject({ rows: 3, value: 3 / 7, passed: false })
  expect(by['carrier.new_categories']).toMatchObject({
    rows: 3,
    value: 0.75,
    threshold: 0.5,
    passed: false,
    examples: ['B6', 'NK'],
  })
  expect(by['carrier.missing']).toMatchObject({ rows: 1, value: 0.2 })
})

it('a window without a column reports it all missing, an empty window passes with value 0', () => {
  const window = profileValues({ fare: { kind: 'numeric', values: [] } }).profile
  const results = checkQuality(reference, { ...window, rows: 4 })
  expect(results.find((r) => r.column === 'carrier' && r.check === 'missing')).toMatchObject({
    rows: 4,
    value: 1,
    passed: false,
  })
  expect(results.find((r) => r.column === 'fare' && r.check === 'out_of_range')).toMatchObject({
    rows: 0,
    value: 0,
    passed: true,
  })
})

it('rejects unknown checks, bad thresholds and unknown columns with the valid choices', () => {
  expect(
    strataThrow(() => checkQuality(reference, reference, { thresholds: { nulls: 0.1 } as never })).message,
  ).toMatch(/"nulls".*missing, out_of_range/)
  expect(
    strataThrow(() => checkQuality(reference, reference, { thresholds: { missing: 2 } })).message,
  ).toMatch(/threshold 2/)
  expect(strataThrow(() => checkQuality(reference, reference, { columns: { price: {} } })).message).toMatch(
    /"price".*fare, carrier/,
  )
})
