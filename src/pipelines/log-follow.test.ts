import { describe, expect, it } from 'vitest'
import { MemoryBlobStore } from '../backends/memory/memory-blob-store.js'
import type { StepJob } from '../ports/index.js'
import { blobLiveLog } from './live-log.js'
import { type FollowedLogLine, followStepLogs } from './log-follow.js'
import { putStepLog } from './step-logs.js'

const job = (step: string, attempt: number, element?: number): StepJob => ({
  id: `r1/${step}/${attempt}`,
  runId: 'r1',
  pipeline: 'p',
  step,
  attempt,
  params: {},
  inputs: {},
  ...(element === undefined ? {} : { element: { index: element, key: String(element), item: element } }),
})

/** Follows until `ended` turns true, taking one look per call of `next`. */
async function collect(
  blobs: MemoryBlobStore,
  looks: (() => Promise<void>)[],
  step?: string,
): Promise<FollowedLogLine[]> {
  let look = 0
  const ended = async () => {
    await looks[look]?.()
    look++
    return look >= looks.length
  }
  const lines: FollowedLogLine[] = []
  for await (const l of followStepLogs(blobs, 'r1', ended, {
    pollMs: 1,
    ...(step === undefined ? {} : { step }),
  }))
    lines.push(l)
  return lines
}

describe('followStepLogs', () => {
  it('yields live lines as chunks are stored, then nothing twice once the stored log replaces them', async () => {
    const blobs = new MemoryBlobStore()
    const sink = blobLiveLog(blobs, { flushMs: 60_000 })(job('train', 1))
    const lines = await collect(blobs, [
      async () => {
        sink.line('one')
        sink.line('two')
        await sink.close() // stores the buffered lines as chunk 0
      },
      async () => {
        // the attempt ends: its whole log is stored and its live chunks deleted
        await putStepLog(blobs, 'r1', 'train', 1, ['one', 'two', 'three'])
      },
      async () => {},
    ])
    expect(lines.map((l) => l.line)).toEqual(['one', 'two', 'three'])
    expect(lines.every((l) => l.step === 'train' && l.attempt === 1)).toBe(true)
    const left: string[] = []
    for await (const b of blobs.list('pipelines/logs/r1/train/1.live/')) left.push(b.key)
    expect(left).toEqual([])
  })

  it('reads stored logs of attempts that wrote no live chunk, per attempt and element, filtered by step', async () => {
    const blobs = new MemoryBlobStore()
    await putStepLog(blobs, 'r1', 'fit', 1, ['first try'])
    await putStepLog(blobs, 'r1', 'fit', 2, ['second try'])
    await putStepLog(blobs, 'r1', 'fitness', 1, ['other step'])
    const live = blobLiveLog(blobs, { flushMs: 60_000 })(job('fit', 1, 3))
    live.line('element three')
    await live.close()
    const lines = await collect(blobs, [async () => {}], 'fit')
    expect(lines).toEqual([
      { step: 'fit', attempt: 1, line: 'first try' },
      { step: 'fit', attempt: 2, line: 'second try' },
      { step: 'fit[3]', attempt: 1, line: 'element three' },
    ])
  })

  it('keeps chunks of a re-run job (same attempt, another writer) apart and in order', async () => {
    const blobs = new MemoryBlobStore()
    const factory = blobLiveLog(blobs, { flushMs: 60_000 })
    const dead = factory(job('s', 1))
    dead.line('before the kill')
    await dead.close()
    await new Promise((r) => setTimeout(r, 2)) // writer ids are time-ordered (ms)
    const again = factory(job('s', 1))
    again.line('after the kill')
    await again.close()
    const lines = await collect(blobs, [async () => {}])
    expect(lines.map((l) => l.line)).toEqual(['before the kill', 'after the kill'])
  })
})
