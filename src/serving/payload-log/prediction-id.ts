import { randomFillSync } from 'node:crypto'

/** Random bytes drawn 4 KiB at a time: one `randomFillSync` per 512 ids instead of one per id. */
const pool = Buffer.alloc(4096)
let poolOffset = pool.length

/**
 * A new prediction id: 12 hex digits of the epoch milliseconds then 16 random hex digits, so ids
 * sort by time and never collide across processes (`0192f3a1b2c4-9f03…`, 29 characters).
 */
export function newPredictionId(now: number): string {
  if (poolOffset + 8 > pool.length) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const random = pool.toString('hex', poolOffset, poolOffset + 8)
  poolOffset += 8
  return `${Math.max(0, Math.floor(now)).toString(16).padStart(12, '0')}-${random}`
}

const PREDICTION_ID = /^[0-9a-f]{12}-[0-9a-f]{16}$/

/** Whether `id` has the form of a prediction id. */
export function isPredictionId(id: string): boolean {
  return PREDICTION_ID.test(id)
}
