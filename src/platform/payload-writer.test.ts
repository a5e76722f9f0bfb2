import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { linearOnnx } from '../../test/support/serving-models.js'
import { PayloadLog, type PredictionEntry } from '../serving/index.js'
import { openStrata } from './index.js'
import { PayloadWriterThread } from './payload-writer.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'strata-payload-writer-'))
  dirs.push(d)
  return d
}

function entry(id: string, at: number): PredictionEntry {
  return {
    id,
    at,
    endpoint: 'linear',
    modelName: 'linear',
    modelVersion: 1,
    deploymentRevision: null,
    requestId: null,
    entityKey: null,
    inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], values: Float32Array.from([1, 2, 3]) }],
    outputs: [{ name: 'prediction', datatype: 'FP32', shape: [1, 1], values: Float32Array.from([4]) }],
    latencyMs: 0.5,
    status: 'ok',
    error: null,
    featureViews: null,
  }
}

describe('payload log writer thread (SQLite file)', () => {
  it('writes the server predictions from its own thread: every one logged, whole, with its lineage', async () => {
    const dir = tempDir()
    await using strata = await openStrata({
      cwd: dir,
      config: {
        project: 'writer',
        payloadLog: { maxBatch: 7, flushIntervalMs: 60_000, redact: ['prediction'] },
      },
    })
    const registry = await strata.registry()
    await registry.registerVersion('linear', { onnx: linearOnnx() })
    const server = await strata.serving()
    await server.deploy('linear')
    const ids: string[] = []
    for (let i = 0; i < 30; i++) {
      const result = await server.infer('linear', undefined, {
        inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], values: Float32Array.from([i, 1, 2]) }],
      })
      ids.push(result.predictionId)
    }
    // a large request (90 input elements) crosses to the thread as an entry, encoded there
    const rows = Array.from({ length: 30 }, (_, i) => [i, 0.5, -2])
    const large = await server.infer('linear', undefined, {
      inputs: [
        { name: 'features', datatype: 'FP32', shape: [30, 3], values: Float32Array.from(rows.flat()) },
      ],
    })
    await server.flushPayloadLog()
    expect(server.payloadStats()).toMatchObject({ queued: 0, written: 31, dropped: 0, failedWrites: 0 })
    const payloads = await strata.payloads()
    expect(await payloads.count({ endpoint: 'linear' })).toBe(31)
    const record = await payloads.get(ids[17] as string)
    expect(record.inputs).toEqual({ features: { datatype: 'FP32', shape: [1, 3], data: [17, 1, 2] } })
    expect(record.status).toBe('ok')
    const largeRecord = await payloads.get(large.predictionId)
    expect(largeRecord.inputs).toEqual({ features: { datatype: 'FP32', shape: [30, 3], data: rows.flat() } })
    expect(largeRecord.outputs).toEqual({ prediction: '[redacted]' })
    expect((await payloads.get(ids[3] as string)).outputs).toEqual({ prediction: '[redacted]' })
    const lineage = await payloads.lineage(ids[17] as string)
    expect(lineage.nodes.map((n) => n.id)).toContain('model-version:linear/1')
  })

  it('a thread that cannot open the database fails the write with UNAVAILABLE; the log keeps the entries queued', async () => {
    const dir = tempDir()
    // a directory where the database file should be: SQLite cannot open it
    const writer = new PayloadWriterThread({
      metadata: `sqlite:${dir}`,
      blobs: 'memory:',
      root: dir,
      principal: { id: 'test' },
    })
    const errors: unknown[] = []
    const log = new PayloadLog(writer, { flushIntervalMs: 60_000, onError: (e) => errors.push(e) })
    try {
      expect(log.append(entry('0192f3a1b2c4-9f03a1b2c4d5e6f7', 1))).toBe(true)
      await expect(log.flush()).rejects.toMatchObject({ code: 'UNAVAILABLE' })
      expect(log.stats()).toMatchObject({ queued: 1, written: 0, failedWrites: 1 })
      expect(String((errors[0] as Error).message)).toMatch(/payload log writer thread/)
    } finally {
      await writer.close()
      await log.close().catch(() => {})
    }
  })
})
