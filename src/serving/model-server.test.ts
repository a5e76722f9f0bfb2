import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  LINEAR_PREDICTOR_TS,
  linearOnnx,
  linearPrediction,
  linearSignature,
} from '../../test/support/serving-models.js'
import { strataRejection } from '../../test/support/strata-error.js'
import { openStrata, type Strata } from '../platform/index.js'
import type { ModelServer } from './model-server.js'
import type { InferTensor } from './tensor.js'

function rows(data: number[][], over: Partial<InferTensor> = {}): InferTensor {
  return {
    name: 'features',
    datatype: 'FP32',
    shape: [data.length, 3],
    values: Float32Array.from(data.flat()),
    ...over,
  }
}

describe('ModelServer over the registry', () => {
  let dir: string
  let strata: Strata
  let server: ModelServer

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-model-server-'))
    strata = await openStrata({ cwd: dir, config: { project: 'serving-test' } })
    const registry = await strata.registry()
    await registry.registerVersion('linear', { onnx: linearOnnx() })
    await registry.registerVersion('linear', {
      files: [{ path: 'predictor.ts', bytes: new TextEncoder().encode(LINEAR_PREDICTOR_TS) }],
      signature: await linearSignature(),
    })
    await registry.setAlias('linear', 'champion', 1)
    server = await strata.serving()
    await server.deploy('models:/linear@champion')
  })
  afterAll(async () => {
    await strata.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the alias target and answers with the model version', async () => {
    const result = await server.infer('linear', undefined, { id: 'r1', inputs: [rows([[1, 2, 3]])] })
    expect(result).toMatchObject({ modelName: 'linear', modelVersion: '1', id: 'r1' })
    expect(Array.from(result.outputs[0]?.values as Float32Array)).toEqual([linearPrediction([1, 2, 3])])
    expect(server.list()).toEqual([
      { name: 'linear', ref: 'models:/linear@champion', version: 1, platform: 'onnxruntime_onnx' },
    ])
  })

  it('rejects requests that do not match the signature, naming the input and what is expected', async () => {
    const cases: [InferTensor[], RegExp][] = [
      [
        [rows([[1, 2, 3]], { datatype: 'FP64', values: Float64Array.from([1, 2, 3]) })],
        /input "features" has datatype FP64 but the model expects FP32/,
      ],
      [
        [rows([[1, 2, 3]], { shape: [1, 4], values: new Float32Array(4) })],
        /input "features" has shape \[1,4\] but the model expects \[-1,3\]/,
      ],
      [
        [rows([[1, 2, 3]], { shape: [3], values: new Float32Array(3) })],
        /has shape \[3\] but the model expects \[-1,3\]/,
      ],
      [[], /missing input "features" \(FP32 \[-1,3\]\)/],
      [
        [rows([[1, 2, 3]]), rows([[1, 2, 3]], { name: 'extra' })],
        /unknown input "extra"; the model's inputs are "features"/,
      ],
      [[rows([[1, 2, 3]]), rows([[1, 2, 3]])], /input "features" is given more than once/],
    ]
    for (const [inputs, message] of cases) {
      const err = await strataRejection(server.infer('linear', undefined, { inputs }))
      expect(err.code).toBe('INVALID_ARGUMENT')
      expect(err.message).toMatch(message)
    }
    const output = await strataRejection(
      server.infer('linear', undefined, { inputs: [rows([[1, 2, 3]])], outputs: ['proba'] }),
    )
    expect(output.message).toMatch(/unknown output "proba"; the model's outputs are "prediction"/)
  })

  it('answers NOT_FOUND for an unknown model or a version that is not served', async () => {
    const model = await strataRejection(server.infer('nope', undefined, { inputs: [] }))
    expect(model.code).toBe('NOT_FOUND')
    expect(model.message).toContain('model "nope" is not served (served: linear)')
    const version = await strataRejection(server.infer('linear', '7', { inputs: [rows([[1, 2, 3]])] }))
    expect(version.code).toBe('NOT_FOUND')
    expect(version.message).toContain('the served version is 1')
    expect((await strataRejection(server.deploy('linear@nosuch'))).code).toBe('NOT_FOUND')
  })

  it('hot-reloads when the alias moves: requests running through the switch all succeed, each answered by a whole version', async () => {
    const registry = await strata.registry()
    let stop = false
    const answered: string[] = []
    const load = (async () => {
      let failures = 0
      while (!stop) {
        const batch = await Promise.allSettled(
          Array.from({ length: 4 }, () => server.infer('linear', undefined, { inputs: [rows([[1, 2, 3]])] })),
        )
        for (const b of batch) {
          if (b.status === 'rejected') failures++
          else {
            answered.push(b.value.modelVersion)
            expect(Array.from(b.value.outputs[0]?.values as Float32Array)).toEqual([
              linearPrediction([1, 2, 3]),
            ])
          }
        }
      }
      return failures
    })()
    await registry.setAlias('linear', 'champion', 2)
    const served = await server.reload('linear')
    expect(served.version).toBe(2)
    expect(served.platform).toBe('strata_predictor')
    // keep the load running until the new version has answered some requests
    while (answered.filter((v) => v === '2').length < 8) await new Promise((r) => setImmediate(r))
    stop = true
    expect(await load).toBe(0)
    expect(new Set(answered)).toEqual(new Set(['1', '2']))
    // once the switch is done, every new request is answered by the new version
    expect((await server.infer('linear', undefined, { inputs: [rows([[1, 2, 3]])] })).modelVersion).toBe('2')
  })
})
