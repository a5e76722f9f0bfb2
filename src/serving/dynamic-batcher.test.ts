import { rmSync } from 'node:fs'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { linearSignature, writeLinearModels } from '../../test/support/serving-models.js'
import { strataRejection } from '../../test/support/strata-error.js'
import { batchingRuntime } from './dynamic-batcher.js'
import type { ModelRuntime } from './model-runtime.js'
import { metadataTensor } from './signature-check.js'
import type { InferTensor } from './tensor.js'
import { startWorkerRuntime } from './worker-runtime.js'

const files = writeLinearModels()

function rows(data: number[][]): InferTensor {
  return {
    name: 'features',
    datatype: 'FP32',
    shape: [data.length, 3],
    values: Float32Array.from(data.flat()),
  }
}

/** Records every call that reaches the wrapped runtime (rows per call). */
function recording(inner: ModelRuntime): ModelRuntime & { calls: number[] } {
  const calls: number[] = []
  return {
    kind: inner.kind,
    calls,
    infer: (inputs, outputs) => {
      calls.push(inputs[0]?.shape[0] ?? 0)
      return inner.infer(inputs, outputs)
    },
    close: () => Promise.resolve(),
  }
}

describe('dynamic batching', () => {
  let onnx: ModelRuntime
  // row-wise TypeScript model: its rows are bit-identical whatever the batch (onnxruntime's
  // kernels may round the last bit differently for another batch size)
  let predictor: ModelRuntime
  let meta: { inputs: ReturnType<typeof metadataTensor>[]; outputs: ReturnType<typeof metadataTensor>[] }

  beforeAll(async () => {
    const signature = await linearSignature()
    onnx = await startWorkerRuntime({ kind: 'onnx', path: files.onnx, signature }, { threads: 2 })
    predictor = await startWorkerRuntime(
      { kind: 'predictor', path: files.predictor, signature },
      { threads: 2 },
    )
    meta = { inputs: signature.inputs.map(metadataTensor), outputs: signature.outputs.map(metadataTensor) }
  })
  afterAll(async () => {
    await onnx.close()
    await predictor.close()
    rmSync(files.dir, { recursive: true, force: true })
  })

  it('property: concurrent requests of random sizes get exactly the rows unbatched calls give, in order; no call exceeds maxBatchSize', async () => {
    const row = fc.tuple(
      // first value ≥ 0: the fixture's rows of all -1 / all -2 make it throw / exit
      fc.float({ noNaN: true, min: 0, max: 1e3 }),
      fc.float({ noNaN: true, min: -1e3, max: 1e3 }),
      fc.float({ noNaN: true, min: -1e3, max: 1e3 }),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(row, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 0, max: 2000 }),
        async (requests, maxBatchSize, maxQueueDelayMicros) => {
          const spy = recording(predictor)
          const batched = batchingRuntime(spy, meta.inputs, meta.outputs, {
            maxBatchSize,
            maxQueueDelayMicros,
          })
          const data = requests.map((r) => r.map((v) => [...v]))
          const [together, alone] = await Promise.all([
            Promise.all(data.map((d) => batched.infer([rows(d)]))),
            Promise.all(data.map((d) => predictor.infer([rows(d)]))),
          ])
          together.forEach((out, i) => {
            expect(out[0]?.shape).toEqual(alone[i]?.[0]?.shape)
            expect(Array.from(out[0]?.values as Float32Array)).toEqual(
              Array.from(alone[i]?.[0]?.values as Float32Array),
            )
          })
          const total = data.reduce((a, d) => a + d.length, 0)
          expect(spy.calls.reduce((a, b) => a + b, 0)).toBe(total)
          for (const [i, n] of spy.calls.entries()) {
            // a call over maxBatchSize is only ever a single request larger than the limit
            if (n > maxBatchSize)
              expect(
                data.some((d) => d.length === n),
                `call ${i}`,
              ).toBe(true)
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('merges concurrent single-row requests into fewer calls, and a lone request is sent after the delay', async () => {
    const spy = recording(onnx)
    const batched = batchingRuntime(spy, meta.inputs, meta.outputs, {
      maxBatchSize: 8,
      maxQueueDelayMicros: 50_000,
    })
    await Promise.all(Array.from({ length: 16 }, (_, i) => batched.infer([rows([[i, 0, 0]])])))
    expect(spy.calls).toEqual([8, 8])
    expect(await batched.infer([rows([[1, 2, 3]])])).toHaveLength(1)
    expect(spy.calls).toEqual([8, 8, 1])
  })

  it('keeps requests for different outputs apart', async () => {
    const spy = recording(onnx)
    const batched = batchingRuntime(spy, meta.inputs, meta.outputs, {
      maxBatchSize: 4,
      maxQueueDelayMicros: 1000,
    })
    const [a, b] = await Promise.all([
      batched.infer([rows([[1, 1, 1]])], ['prediction']),
      batched.infer([rows([[2, 2, 2]])]),
    ])
    expect(a?.[0]?.values).toEqual(Float32Array.from([6.5]))
    expect(b?.[0]?.values).toEqual(Float32Array.from([12.5]))
    expect(spy.calls).toEqual([1, 1])
  })

  it('refuses requests beyond the queue bound with UNAVAILABLE instead of waiting', async () => {
    const batched = batchingRuntime(onnx, meta.inputs, meta.outputs, {
      maxBatchSize: 100,
      maxQueueDelayMicros: 20_000,
      maxQueue: 3,
    })
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => batched.infer([rows([[1, 2, 3]])])),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3)
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]
    expect(refused).toHaveLength(2)
    expect(refused[0]?.reason.code).toBe('UNAVAILABLE')
  })

  it('fails every request of a batch when an output does not have one row per input row', async () => {
    const broken: ModelRuntime = {
      kind: 'predictor',
      infer: async () => [
        { name: 'prediction', datatype: 'FP32', shape: [1, 1], values: Float32Array.from([0]) },
      ],
      close: async () => {},
    }
    const batched = batchingRuntime(broken, meta.inputs, meta.outputs, {
      maxBatchSize: 4,
      maxQueueDelayMicros: 1000,
    })
    const [a, b] = await Promise.allSettled([
      batched.infer([rows([[1, 1, 1]])]),
      batched.infer([rows([[2, 2, 2]])]),
    ])
    expect(a.status).toBe('rejected')
    expect(b.status).toBe('rejected')
    const pair = await strataRejection(
      Promise.all([batched.infer([rows([[1, 1, 1]])]), batched.infer([rows([[2, 2, 2]])])]),
    )
    expect(pair.message).toMatch(/has 1 rows for a batch of 2/)
  })
})
