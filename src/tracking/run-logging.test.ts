import { expect, it } from 'vitest'
import { testServiceContext } from '../../test/support/service-context.js'
import { MemoryBlobStore } from '../backends/memory/memory-blob-store.js'
import { isStrataError } from '../core/errors.js'
import { lineageMigrations } from '../data/lineage/index.js'
import { runMigrations } from '../db/index.js'
import { describeMetadata, type OpenFreshMetadata } from '../testing/metadata-fixture.js'
import { trackingMigrations } from './tracking-migrations.js'
import { TrackingStore } from './tracking-store.js'

async function openTracking(openFresh: OpenFreshMetadata) {
  const metadata = await openFresh()
  await runMigrations(metadata, [...lineageMigrations, ...trackingMigrations])
  const ctx = testServiceContext(metadata, { blobs: new MemoryBlobStore(), now: () => 1_700_000_000_000 })
  return new TrackingStore(ctx)
}

async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string } | undefined> {
  try {
    await p
  } catch (err) {
    if (!isStrataError(err)) throw err
    return { code: err.code, message: err.message }
  }
  return undefined
}

describeMetadata('run logging: the run check folded into the metric insert', (openFresh) => {
  it('refuses metrics of a deleted or missing run and stores none of them', async () => {
    const tracking = await openTracking(openFresh)
    const { info } = await tracking.runs.create({})
    const runId = info.runId
    await tracking.runs.logMetric(runId, { key: 'loss', value: 1, step: 0, timestamp: 1 })
    await tracking.runs.delete(runId)

    const deleted = await errorOf(
      tracking.runs.logMetric(runId, { key: 'loss', value: 2, step: 1, timestamp: 2 }),
    )
    expect(deleted).toEqual({
      code: 'FAILED_PRECONDITION',
      message: `The run ${runId} must be in the 'active' state. Current state is deleted.`,
    })
    const batch = await errorOf(
      tracking.runs.logBatch(runId, {
        metrics: [
          { key: 'loss', value: 3, step: 2, timestamp: 3 },
          { key: 'acc', value: 0.5, step: 2, timestamp: 3 },
        ],
        params: [{ key: 'lr', value: '0.1' }],
      }),
    )
    expect(batch?.code).toBe('FAILED_PRECONDITION')
    await tracking.runs.restore(runId)
    const run = await tracking.runs.get(runId)
    expect(run.data.metrics).toEqual({ loss: expect.objectContaining({ value: 1, step: 0 }) })
    expect(run.data.params).toEqual({})
    expect((await tracking.runs.metricHistory(runId, 'loss')).items.map((m) => m.value)).toEqual([1])
    expect((await tracking.runs.metricHistory(runId, 'acc')).items).toEqual([])

    const missing = 'f'.repeat(32)
    expect(await errorOf(tracking.runs.logMetric(missing, { key: 'loss', value: 1 }))).toEqual({
      code: 'NOT_FOUND',
      message: `run "${missing}" does not exist`,
    })
    expect((await errorOf(tracking.runs.logMetric('../etc', { key: 'loss', value: 1 })))?.code).toBe(
      'INVALID_ARGUMENT',
    )
  })

  it('accepts an exact retry of a batch (all values already stored) and keeps the latest value', async () => {
    const tracking = await openTracking(openFresh)
    const { info } = await tracking.runs.create({})
    const metrics = [
      { key: 'loss', value: 0.5, step: 1, timestamp: 10 },
      { key: 'loss', value: 0.25, step: 2, timestamp: 20 },
    ]
    await tracking.runs.logBatch(info.runId, { metrics })
    await tracking.runs.logBatch(info.runId, { metrics })
    await tracking.runs.logBatch(info.runId, {
      metrics: [...metrics, { key: 'loss', value: 0.125, step: 3, timestamp: 30 }],
    })
    expect((await tracking.runs.metricHistory(info.runId, 'loss')).items.map((m) => m.value)).toEqual([
      0.5, 0.25, 0.125,
    ])
    expect((await tracking.runs.get(info.runId)).data.metrics).toEqual({
      loss: expect.objectContaining({ value: 0.125, step: 3 }),
    })
  })
  it('writes the history, latest value and chart buckets of batches that mix retried and new values', async () => {
    const tracking = await openTracking(openFresh)
    const { info } = await tracking.runs.create({})
    const point = (step: number) => ({
      key: 'loss',
      value: step === 1500 ? 99 : step === 2500 ? -99 : Math.cos(step),
      step,
      timestamp: step,
    })
    const steps = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => point(from + i))
    await tracking.runs.logBatch(info.runId, { metrics: steps(0, 1000) })
    await tracking.runs.logBatch(info.runId, { metrics: [...steps(500, 1000), ...steps(1000, 1500)] })
    await tracking.runs.logBatch(info.runId, { metrics: [...steps(1400, 1500), ...steps(1500, 2400)] })
    await tracking.runs.logBatch(info.runId, {
      metrics: [...steps(2400, 3000), { key: 'loss', value: Number.NaN, step: 3000, timestamp: 3000 }],
    })
    const latest = (await tracking.runs.get(info.runId)).data.metrics.loss
    expect(latest?.step).toBe(3000)
    expect(latest?.value).toBeNaN()
    const chart = await tracking.runs.downsampledHistory([info.runId], 'loss', { maxResults: 20 })
    expect(chart.length).toBeLessThanOrEqual(20)
    const values = chart.map((p) => p.value)
    expect(values).toContain(99)
    expect(values).toContain(-99)
    const page = await tracking.runs.metricHistory(info.runId, 'loss', { maxResults: 5000 })
    expect(page.items).toHaveLength(3001)
  })
})
