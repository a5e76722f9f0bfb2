import { expect, it } from 'vitest'
import { testServiceContext } from '../../../test/support/service-context.js'
import { isStrataError } from '../../core/errors.js'
import { lineageMigrations } from '../../data/lineage/index.js'
import { runMigrations } from '../../db/index.js'
import { describeMetadata } from '../../testing/metadata-fixture.js'
import { PayloadLog, type PayloadSink } from './payload-log.js'
import { servingMigrations } from './payload-migrations.js'
import { PayloadStore } from './payload-store.js'
import type { PredictionEntry } from './payload-types.js'
import { newPredictionId } from './prediction-id.js'

function entry(at: number, over: Partial<PredictionEntry> = {}): PredictionEntry {
  return {
    id: newPredictionId(at),
    at,
    endpoint: 'delay',
    modelName: 'delay-model',
    modelVersion: 1,
    deploymentRevision: null,
    requestId: `req-${at}`,
    entityKey: null,
    inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], values: Float32Array.from([1, 2, 3]) }],
    outputs: [{ name: 'prediction', datatype: 'FP32', shape: [1, 1], values: Float32Array.from([14.5]) }],
    latencyMs: 1.25,
    status: 'ok',
    error: null,
    featureViews: null,
    ...over,
  }
}

async function rejected(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  if (!isStrataError(e)) throw new Error(`expected a StrataError, got ${String(e)}`)
  return e
}

describeMetadata('PayloadStore', (openFresh) => {
  const open = async () => {
    const metadata = await openFresh()
    await runMigrations(metadata, [...lineageMigrations, ...servingMigrations])
    const ctx = testServiceContext(metadata)
    return { store: new PayloadStore(ctx), lineage: ctx.lineage }
  }

  it('stores predictions with their tensors as JSON and reads one back by id', async () => {
    const { store } = await open()
    const e = entry(1_000, {
      entityKey: { route: 'ORD-LGA', origin: 'ORD' },
      featureViews: [{ name: 'route_stats', version: 2 }],
      deploymentRevision: 'rev-3',
      inputs: [
        { name: 'features', datatype: 'FP32', shape: [1, 3], values: Float32Array.from([1, 2, 3]) },
        { name: 'count', datatype: 'INT64', shape: [1], values: BigInt64Array.from([2n ** 60n]) },
        { name: 'secret', datatype: 'BYTES', shape: [1], values: ['pw'] },
      ],
    })
    const batch = await store.write([e], { redact: new Set(['secret']) })
    const got = await store.get(e.id)
    expect(got).toEqual({
      id: e.id,
      at: 1_000,
      endpoint: 'delay',
      modelName: 'delay-model',
      modelVersion: 1,
      deploymentRevision: 'rev-3',
      requestId: 'req-1000',
      entityKey: { origin: 'ORD', route: 'ORD-LGA' },
      inputs: {
        features: { datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] },
        count: { datatype: 'INT64', shape: [1], data: [String(2n ** 60n)] },
        secret: '[redacted]',
      },
      outputs: { prediction: { datatype: 'FP32', shape: [1, 1], data: [14.5] } },
      latencyMs: 1.25,
      status: 'ok',
      error: null,
      featureViews: [{ name: 'route_stats', version: 2 }],
      batch,
    })
    const err = await rejected(store.get('0000000003e8-00000000000000ff'))
    expect(err.code).toBe('NOT_FOUND')
    expect((await rejected(store.get('nope'))).message).toContain('prediction id "nope" is invalid')
  })

  it('queries by time window, endpoint, model version, revision, status and entity key, page by page', async () => {
    const { store } = await open()
    const entries = [
      ...Array.from({ length: 25 }, (_, i) => entry(10_000 + i * 10)),
      ...Array.from({ length: 5 }, (_, i) => entry(10_000 + i * 10, { endpoint: 'other', modelVersion: 2 })),
      entry(10_050, { status: 'error', outputs: null, error: 'model failed', deploymentRevision: 'r2' }),
      entry(10_060, { entityKey: { origin: 'ORD' } }),
    ]
    await store.write(entries)
    expect(await store.count()).toBe(32)
    expect(await store.count({ endpoint: 'other' })).toBe(5)
    expect(await store.count({ modelName: 'delay-model', modelVersion: 2 })).toBe(5)
    expect(await store.count({ from: 10_050, to: 10_100 })).toBe(5 + 2)
    expect(await store.count({ from: new Date(10_200) })).toBe(5)
    expect(await store.count({ status: 'error' })).toBe(1)
    expect(await store.count({ deploymentRevision: 'r2' })).toBe(1)
    const byKey = await store.query({ entityKey: { origin: 'ORD' } })
    expect(byKey.records.map((r) => r.at)).toEqual([10_060])

    const seen: string[] = []
    let page = await store.query({ endpoint: 'delay', limit: 10 })
    seen.push(...page.records.map((r) => r.id))
    while (page.nextPageToken !== undefined) {
      page = await store.query({ endpoint: 'delay', limit: 10, pageToken: page.nextPageToken })
      seen.push(...page.records.map((r) => r.id))
    }
    expect(seen).toHaveLength(27)
    const scanned: number[] = []
    for await (const r of store.scan({ endpoint: 'delay', limit: 7 })) scanned.push(r.at)
    expect(scanned).toEqual([...scanned].sort((a, b) => a - b))
    expect(scanned).toHaveLength(27)

    expect((await rejected(store.query({ limit: 0 }))).message).toContain('limit 0 is invalid')
    expect((await rejected(store.query({ pageToken: 'zz' }))).message).toContain('page token "zz" is invalid')
    expect((await rejected(store.query({ status: 'bad' as 'ok' }))).message).toContain('status "bad"')
  })

  it('links each prediction to the model version that answered it in the lineage graph', async () => {
    const { store, lineage } = await open()
    await lineage.record({ inputs: ['run:r1'], output: 'model-version:delay-model/1', activity: 'register' })
    const e = entry(5_000)
    await store.write([e])
    const graph = await store.lineage(e.id)
    expect(graph.root).toBe(`prediction:${e.id}`)
    expect(graph.nodes.map((n) => n.id)).toEqual(
      expect.arrayContaining([`prediction:${e.id}`, 'model-version:delay-model/1', 'run:r1']),
    )
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ to: `prediction:${e.id}`, activity: 'predict' }),
        expect.objectContaining({ from: 'model-version:delay-model/1', activity: 'predict' }),
      ]),
    )
  })

  it('writes through a PayloadLog in batches and keeps entries queued when a write fails', async () => {
    const { store } = await open()
    let failing = true
    const sizes: number[] = []
    const sink: PayloadSink = {
      write: async (entries, options) => {
        if (failing) throw new Error('database down')
        sizes.push(entries.length)
        return store.write(entries, options)
      },
    }
    const errors: unknown[] = []
    // maxBatch above maxQueue: no write starts by itself before flush()
    const log = new PayloadLog(sink, {
      maxQueue: 5,
      maxBatch: 6,
      flushIntervalMs: 60_000,
      onError: (e) => errors.push(e),
    })
    const appended = Array.from({ length: 7 }, (_, i) => log.append(entry(20_000 + i)))
    expect(appended).toEqual([true, true, true, true, true, false, false])
    await expect(log.flush()).rejects.toThrow(
      /the payload log could not write 5 predictions \(kept queued: 5\): database down/,
    )
    expect(errors).toHaveLength(1)
    expect(log.stats()).toMatchObject({ queued: 5, written: 0, dropped: 2, failedWrites: 1 })
    failing = false
    await log.close()
    expect(log.stats()).toMatchObject({ queued: 0, written: 5, dropped: 2 })
    expect(await store.count()).toBe(5)
    expect(sizes).toEqual([5])
    expect(log.append(entry(30_000))).toBe(false)

    const small = new PayloadLog(sink, { maxBatch: 2, flushIntervalMs: 60_000 })
    for (let i = 0; i < 5; i++) small.append(entry(40_000 + i))
    await small.close()
    expect(sizes.slice(1)).toEqual([2, 2, 1])
    expect(await store.count({ from: 40_000 })).toBe(5)
  })

  it('writes only full batches while requests fill them; the rest waits for the timer or flush', async () => {
    const { store } = await open()
    const sizes: number[] = []
    let release: (() => void) | undefined
    const sink: PayloadSink = {
      write: async (entries, options) => {
        sizes.push(entries.length)
        // the first write is slow: requests keep appending meanwhile
        if (sizes.length === 1) await new Promise<void>((r) => (release = r))
        return store.write(entries, options)
      },
    }
    const log = new PayloadLog(sink, { maxBatch: 10, flushIntervalMs: 60_000 })
    for (let i = 0; i < 13; i++) log.append(entry(50_000 + i))
    while (release === undefined) await new Promise((r) => setImmediate(r))
    release()
    while (log.stats().written < 10) await new Promise((r) => setImmediate(r))
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r))
    // the 3 that came during the write are not written on their own
    expect(sizes).toEqual([10])
    expect(log.stats()).toMatchObject({ queued: 3, written: 10, dropped: 0 })
    for (let i = 13; i < 20; i++) log.append(entry(50_000 + i))
    while (log.stats().written < 20) await new Promise((r) => setImmediate(r))
    expect(sizes).toEqual([10, 10])
    for (let i = 20; i < 24; i++) log.append(entry(50_000 + i))
    await log.close()
    expect(sizes).toEqual([10, 10, 4])
    expect(await store.count({ from: 50_000 })).toBe(24)
  })

  it('a write started by a full batch that fails keeps the entries queued, reported through onError', async () => {
    const { store } = await open()
    let failing = true
    const errors: unknown[] = []
    const sink: PayloadSink = {
      write: async (entries, options) => {
        if (failing) throw new Error('database down')
        return store.write(entries, options)
      },
    }
    const log = new PayloadLog(sink, { maxBatch: 2, flushIntervalMs: 60_000, onError: (e) => errors.push(e) })
    log.append(entry(60_000))
    log.append(entry(60_001))
    while (errors.length === 0) await new Promise((r) => setImmediate(r))
    expect(log.stats()).toMatchObject({ queued: 2, written: 0, failedWrites: 1 })
    failing = false
    await log.close()
    expect(await store.count({ from: 60_000 })).toBe(2)
  })
})
