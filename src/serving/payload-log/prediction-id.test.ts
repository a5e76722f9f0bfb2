import { describe, expect, it } from 'vitest'
import { isPredictionId, newPredictionId } from './prediction-id.js'

describe('newPredictionId', () => {
  it('is unique across pool refills, has the documented form and sorts by time', () => {
    const at = Date.UTC(2026, 11, 7, 15, 0, 0)
    const ids = Array.from({ length: 5_000 }, (_, i) => newPredictionId(at + Math.floor(i / 100)))
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.every(isPredictionId)).toBe(true)
    expect(ids[0]?.slice(0, 12)).toBe(at.toString(16).padStart(12, '0'))
    const prefixes = ids.map((id) => id.slice(0, 12))
    expect([...prefixes].sort()).toEqual(prefixes)
    // the random halves are not a counter: consecutive ids differ in more than their last digit
    const randoms = ids.map((id) => id.slice(13))
    expect(new Set(randoms.map((r) => r.slice(0, 8))).size).toBeGreaterThan(4_900)
  })
})
