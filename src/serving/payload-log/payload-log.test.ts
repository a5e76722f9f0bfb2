import { describe, expect, it } from 'vitest'
import { predictionAt } from '../../../test/support/payload-entries.js'
import { PayloadLog, type PayloadSink } from './payload-log.js'
import type { PredictionEntry } from './payload-types.js'

const entry = (at: number): PredictionEntry =>
  predictionAt(at, {
    inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 1], values: Float32Array.from([at]) }],
    outputs: null,
    status: 'error',
    error: 'boom',
  })

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

/** A sink that encodes each entry as its `at` (and refuses to encode `at` 13). */
function encodingSink() {
  const encoded: number[] = []
  const written: number[][] = []
  const sink: PayloadSink<number> = {
    encode: (e) => {
      if (e.at === 13) throw new Error('cannot encode 13')
      encoded.push(e.at)
      return e.at
    },
    write: async (items) => {
      written.push([...items])
      return `batch-${written.length}`
    },
  }
  return { sink, encoded, written }
}

describe('PayloadLog with an encoding sink', () => {
  it('encodes entries after the turn that appended them, counting them against the bound meanwhile', async () => {
    const { sink, encoded, written } = encodingSink()
    const log = new PayloadLog(sink, { maxQueue: 3, maxBatch: 2, flushIntervalMs: 60_000 })
    expect([log.append(entry(1)), log.append(entry(2)), log.append(entry(3)), log.append(entry(4))]).toEqual([
      true,
      true,
      true,
      false,
    ])
    // nothing encoded on the request path
    expect(encoded).toEqual([])
    expect(log.stats()).toMatchObject({ queued: 3, dropped: 1 })
    await turn()
    expect(encoded).toEqual([1, 2, 3])
    while (log.stats().written < 2) await turn()
    expect(written).toEqual([[1, 2]])
    log.append(entry(5))
    // flush encodes what is still pending and writes everything
    await log.flush()
    expect(written).toEqual([
      [1, 2],
      [3, 5],
    ])
    expect(log.stats()).toMatchObject({ queued: 0, written: 4, dropped: 1 })
    await log.close()
  })

  it('an entry that cannot be encoded is dropped, counted and reported; the others are written', async () => {
    const { sink, written } = encodingSink()
    const errors: unknown[] = []
    const log = new PayloadLog(sink, { flushIntervalMs: 60_000, onError: (e) => errors.push(e) })
    for (const at of [12, 13, 14]) expect(log.append(entry(at))).toBe(true)
    await log.close()
    expect(written).toEqual([[12, 14]])
    expect(log.stats()).toMatchObject({ queued: 0, written: 2, dropped: 1 })
    expect(String((errors[0] as Error).message)).toBe('cannot encode 13')
  })
})
