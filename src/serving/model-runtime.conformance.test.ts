import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { linearPrediction, linearSignature, writeLinearModels } from '../../test/support/serving-models.js'
import { strataRejection as rejection } from '../../test/support/strata-error.js'
import type { ModelRuntime, RuntimeKind } from './model-runtime.js'
import type { InferTensor } from './tensor.js'
import { startWorkerRuntime } from './worker-runtime.js'

const files = writeLinearModels()
afterAll(() => rmSync(files.dir, { recursive: true, force: true }))

function rows(data: number[][]): InferTensor {
  return {
    name: 'features',
    datatype: 'FP32',
    shape: [data.length, 3],
    values: Float32Array.from(data.flat()),
  }
}

/** The one conformance suite of the ModelRuntime port, run over every runtime. */
describe.each<[RuntimeKind, string]>([
  ['onnx', files.onnx],
  ['predictor', files.predictor],
])('ModelRuntime conformance: %s', (kind, path) => {
  let runtime: ModelRuntime

  beforeAll(async () => {
    runtime = await startWorkerRuntime({ kind, path, signature: await linearSignature() }, { threads: 2 })
  })
  afterAll(() => runtime.close())

  it('answers every row with the declared datatype and shape', async () => {
    const data = [
      [1, 2, 3],
      [0, 0, 0],
      [-1.5, 0.25, 7],
    ]
    const [out, ...rest] = await runtime.infer([rows(data)])
    expect(rest).toEqual([])
    expect(out?.name).toBe('prediction')
    expect(out?.datatype).toBe('FP32')
    expect(out?.shape).toEqual([3, 1])
    expect(Array.from(out?.values as Float32Array)).toEqual(data.map(linearPrediction))
  })

  it('returns only the requested outputs', async () => {
    const out = await runtime.infer([rows([[1, 1, 1]])], ['prediction'])
    expect(out.map((o) => o.name)).toEqual(['prediction'])
  })

  it('gives each of many concurrent callers exactly its own rows', async () => {
    const requests = Array.from({ length: 40 }, (_, i) =>
      Array.from({ length: (i % 5) + 1 }, (_, r) => [i, r, i * r]),
    )
    const answers = await Promise.all(requests.map((r) => runtime.infer([rows(r)])))
    answers.forEach((a, i) => {
      expect(Array.from(a[0]?.values as Float32Array)).toEqual(requests[i]?.map(linearPrediction))
    })
  })

  it('fails with UNAVAILABLE once closed', async () => {
    const other = await startWorkerRuntime({ kind, path, signature: await linearSignature() })
    await other.close()
    expect((await rejection(other.infer([rows([[1, 2, 3]])]))).code).toBe('UNAVAILABLE')
  })
})

describe('TypeScript predictor faults', () => {
  let runtime: ModelRuntime
  beforeAll(async () => {
    runtime = await startWorkerRuntime(
      { kind: 'predictor', path: files.predictor, signature: await linearSignature() },
      { threads: 2, label: 'model "linear" version 1' },
    )
  })
  afterAll(() => runtime.close())

  it('a predictor that throws fails the request with USER_CODE and its message', async () => {
    const err = await rejection(runtime.infer([rows([[-1, -1, -1]])]))
    expect(err.code).toBe('USER_CODE')
    expect(err.message).toContain('row 0 is invalid')
    expect(await runtime.infer([rows([[1, 2, 3]])])).toHaveLength(1)
  })

  it('a worker that dies fails its request with INTERNAL; the worker is replaced and later requests succeed', async () => {
    const err = await rejection(runtime.infer([rows([[-2, -2, -2]])]))
    expect(err.code).toBe('INTERNAL')
    expect(err.message).toMatch(/worker thread exited with code 3/)
    const answers = await Promise.all(Array.from({ length: 6 }, () => runtime.infer([rows([[1, 2, 3]])])))
    for (const a of answers)
      expect(Array.from(a[0]?.values as Float32Array)).toEqual([linearPrediction([1, 2, 3])])
  })

  it('a module without predict fails to load, naming the file', async () => {
    const err = await rejection(
      startWorkerRuntime({
        kind: 'predictor',
        path: files.onnx.replace('model.onnx', 'missing.ts'),
        signature: await linearSignature(),
      }),
    )
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toContain('missing.ts')
  })
})
