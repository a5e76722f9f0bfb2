import { describe, expect, it } from 'vitest'
import { BUCKET_WIDTHS, bucketRows } from './metric-buckets.js'

const row = (step: number, value: number, is_nan = 0) => ({
  run_id: 'r',
  key: 'loss',
  value,
  ts: 1000 + step,
  step,
  is_nan,
})

describe('bucketRows', () => {
  it('gives one value (log_metric) the same rows as the general path', () => {
    for (const r of [row(0, 1.5), row(33, -2), row(-5, 0), row(5000, 7)]) {
      const one = bucketRows([r])
      expect(one).toHaveLength(BUCKET_WIDTHS.length)
      // The same value twice takes the general path; its extremes are that value.
      expect(one).toEqual(bucketRows([r, r]))
    }
  })

  it('skips a NaN value, alone or in a batch', () => {
    expect(bucketRows([row(1, 0, 1)])).toEqual([])
    expect(bucketRows([row(1, 0, 1), row(1, 0, 1)])).toEqual([])
  })
})
