import { expect, it } from 'vitest'
import { testServiceContext } from '../../test/support/service-context.js'
import { strataRejection } from '../../test/support/strata-error.js'
import { lineageMigrations } from '../data/lineage/index.js'
import { runMigrations } from '../db/index.js'
import { describeMetadata } from '../testing/metadata-fixture.js'
import { trackingMigrations } from './tracking-migrations.js'
import { TrackingStore } from './tracking-store.js'

describeMetadata('metric history at scale', (openFresh) => {
  it('pages a long history with a cursor and downsamples it keeping the extremes', async () => {
    const md = await openFresh()
    await runMigrations(md, [...lineageMigrations, ...trackingMigrations])
    const tracking = new TrackingStore(testServiceContext(md))
    const run = (await tracking.runs.create({})).info.runId
    const value = (s: number) => (s === 3217 ? 9 : s === 4100 ? -9 : s === 2000 ? Number.NaN : 1 / (1 + s))
    for (let b = 0; b < 5; b++) {
      const metrics = Array.from({ length: 1000 }, (_, i) => {
        const step = b * 1000 + i
        return { key: 'loss', value: value(step), timestamp: 1_000 + step, step }
      })
      await tracking.runs.logBatch(run, { metrics })
    }
    // Step 10 twice (same step, two values): the order is step, timestamp, value.
    await tracking.runs.logMetric(run, { key: 'loss', value: 0.5, timestamp: 1_010, step: 10 })

    const whole = (await tracking.runs.metricHistory(run, 'loss')).items
    expect(whole).toHaveLength(5001)
    const paged = []
    let pageToken: string | undefined
    do {
      const page = await tracking.runs.metricHistory(run, 'loss', {
        maxResults: 700,
        ...(pageToken ? { pageToken } : {}),
      })
      expect(page.items.length).toBeLessThanOrEqual(700)
      paged.push(...page.items)
      pageToken = page.nextPageToken
    } while (pageToken !== undefined)
    expect(paged).toEqual(whole)

    const all = await tracking.runs.downsampledHistory([run], 'loss', { maxResults: 2500 })
    expect(all.length).toBeLessThanOrEqual(2500)
    for (const n of [100, 1000, 2500]) {
      const points = await tracking.runs.downsampledHistory([run], 'loss', { maxResults: n })
      expect(points.length).toBeLessThanOrEqual(n)
      expect(points.length).toBeGreaterThan(n / 4)
      const steps = points.map((p) => p.step)
      expect(steps).toEqual([...steps].sort((a, b) => a - b))
      expect(points[0]).toMatchObject({ step: 0, value: 1, runId: run })
      expect(points.at(-1)).toMatchObject({ step: 4999 })
      expect(points).toContainEqual(expect.objectContaining({ step: 3217, value: 9, timestamp: 4217 }))
      expect(points).toContainEqual(expect.objectContaining({ step: 4100, value: -9 }))
    }
    const ranged = await tracking.runs.downsampledHistory([run], 'loss', {
      maxResults: 50,
      startStep: 3300,
      endStep: 4200,
    })
    expect(ranged.length).toBeLessThanOrEqual(50)
    expect(ranged.every((p) => p.step >= 3300 && p.step <= 4200)).toBe(true)
    expect(ranged).toContainEqual(expect.objectContaining({ step: 4100, value: -9 }))
    expect(ranged).not.toContainEqual(expect.objectContaining({ step: 3217 }))
    // A short history comes back whole, NaN included.
    const short = await tracking.runs.downsampledHistory([run], 'loss', {
      maxResults: 100,
      startStep: 1990,
      endStep: 2010,
    })
    expect(short.map((p) => p.step)).toEqual(Array.from({ length: 21 }, (_, i) => 1990 + i))
    expect(short[10]?.value).toBeNaN()

    const e492 = await strataRejection(tracking.runs.downsampledHistory([run], 'loss', { maxResults: 2501 }))
    expect(e492.code).toBe('INVALID_ARGUMENT')
    expect(e492.message).toMatch(/max_results must be between 1 and 2500, got 2501/)
    const e162 = await strataRejection(tracking.runs.downsampledHistory([run], 'loss', { startStep: 5 }))
    expect(e162.code).toBe('INVALID_ARGUMENT')
    expect(e162.message).toMatch(/both must be specified/)
    const e842 = await strataRejection(tracking.runs.downsampledHistory(['0'.repeat(32)], 'loss'))
    expect(e842.code).toBe('NOT_FOUND')
    expect(e842.message).toMatch(/does not exist/)
  })
})
