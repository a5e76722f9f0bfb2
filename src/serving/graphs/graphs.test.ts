import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inferenceGrpcClient } from '../../../test/support/grpc-client.js'
import { strataRejection } from '../../../test/support/strata-error.js'
import { type RunningGrpcServer, startGrpcServer } from '../../api/index.js'
import { createServerApp } from '../../api/server-app.js'
import { openStrata, type Strata } from '../../platform/index.js'
import { linearRegressorToOnnx } from '../../registry/index.js'
import { inferenceGraph } from './graph-definition.js'

/**
 * A TypeScript pre-processor: `scaled = 2 · raw`; a row of all -1 makes it throw (a node that
 * fails at request time).
 */
const SCALER_TS = `
export function predict(inputs: Record<string, { dims: number[]; data: Float32Array }>) {
  const x = inputs.raw
  const out = new Float32Array(x.data.length)
  for (let i = 0; i < x.data.length; i++) out[i] = 2 * x.data[i]
  for (let r = 0; r < x.dims[0]; r++)
    if (x.data[r * 3] === -1 && x.data[r * 3 + 1] === -1 && x.data[r * 3 + 2] === -1) throw new Error('row ' + r + ' is all -1')
  return { scaled: { dims: x.dims, data: out } }
}
`
const SCALER_SIGNATURE = {
  inputs: [{ name: 'raw', type: 'float32', shape: ['N', 3] }],
  outputs: [{ name: 'scaled', type: 'float32', shape: ['N', 3] }],
}

/** delay version v: prediction = INTERCEPT[v] + x0 + 2·x1 + 3·x2 (the answer tells which version ran). */
const INTERCEPT: Record<number, number> = { 1: 0.5, 2: 100.5 }
const linear = (x: readonly number[], intercept: number) =>
  Math.fround(intercept + Math.fround(x[0] ?? 0) + 2 * Math.fround(x[1] ?? 0) + 3 * Math.fround(x[2] ?? 0))

const json = (name: string, rows: number[][]) => ({
  inputs: [{ name, datatype: 'FP32', shape: [rows.length, 3], data: rows.flat() }],
})

describe('inference graphs over OIP v2 REST and gRPC, with real ONNX and TypeScript models', () => {
  let dir: string
  let strata: Strata
  let app: FastifyInstance
  let grpc: RunningGrpcServer

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-graphs-'))
    strata = await openStrata({ cwd: dir, config: { project: 'graphs', blobs: 'memory:' }, env: {} })
    const registry = await strata.registry()
    await registry.registerVersion('scaler', {
      files: [{ path: 'predictor.ts', bytes: new TextEncoder().encode(SCALER_TS) }],
      signature: SCALER_SIGNATURE,
    })
    for (const v of [1, 2]) {
      const onnx = linearRegressorToOnnx({ coefficients: [[1, 2, 3]], intercepts: [INTERCEPT[v] as number] })
      await registry.registerVersion('delay', { onnx })
    }
    // version 3: two outputs per row, another output signature
    await registry.registerVersion('delay', {
      onnx: linearRegressorToOnnx({
        coefficients: [
          [1, 2, 3],
          [1, 1, 1],
        ],
        intercepts: [0, 0],
      }),
    })
    await registry.setAlias('delay', 'champion', 1)
    await registry.setAlias('scaler', 'champion', 1)
    await strata.serveGraph(
      inferenceGraph({
        name: 'delay-seq',
        kind: 'sequence',
        steps: [
          { name: 'scale', model: 'scaler@champion' },
          { name: 'predict', model: 'delay@champion', map: { features: 'scaled' } },
        ],
      }),
    )
    await strata.serveGraph(
      inferenceGraph({
        name: 'delay-avg',
        kind: 'ensemble',
        combine: 'average',
        members: [
          { name: 'v1', model: 'delay/1' },
          { name: 'v2', model: 'delay/2' },
        ],
      }),
    )
    await strata.serveGraph(
      inferenceGraph({
        name: 'delay-vote',
        kind: 'ensemble',
        combine: 'vote',
        members: [
          { name: 'a', model: 'delay/2' },
          { name: 'b', model: 'delay/1' },
          { name: 'c', model: 'delay@champion' },
        ],
      }),
    )
    await strata.serveGraph(
      inferenceGraph({
        name: 'delay-switch',
        kind: 'switch',
        cases: [
          { name: 'gold', model: 'delay/2', when: { header: 'x-tier', op: 'eq', value: 'gold' } },
          { name: 'big', model: 'delay/2', when: { input: 'features', column: 0, op: 'gt', value: 100 } },
        ],
        default: { name: 'base', model: 'delay/1' },
      }),
    )
    app = await createServerApp(strata, { version: 'test' })
    grpc = await startGrpcServer({ server: () => strata.serving(), version: 'test' })
  }, 180_000)
  afterAll(async () => {
    await grpc?.close()
    await app?.close()
    await strata?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const infer = (name: string, payload: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/v2/models/${name}/infer`, payload, headers })

  it('serves a sequence (TypeScript pre-processor → ONNX model) under one name, with its metadata', async () => {
    const meta = await app.inject({ method: 'GET', url: '/v2/models/delay-seq' })
    expect(meta.statusCode).toBe(200)
    expect(meta.json()).toEqual({
      name: 'delay-seq',
      versions: ['1'],
      platform: 'strata_graph',
      inputs: [{ name: 'raw', datatype: 'FP32', shape: [-1, 3] }],
      outputs: [{ name: 'prediction', datatype: 'FP32', shape: [-1, 1] }],
    })
    const rows = [
      [1, 2, 3],
      [0.5, -1, 4],
    ]
    const res = await infer('delay-seq', json('raw', rows))
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body.model_name).toBe('delay-seq')
    expect(body.outputs[0].data).toEqual(
      rows.map((r) =>
        linear(
          r.map((x) => 2 * x),
          0.5,
        ),
      ),
    )
  })

  it('averages and votes an ensemble over versions', async () => {
    const rows = [[1, 2, 3]]
    const avg = await infer('delay-avg', json('features', rows))
    expect(avg.statusCode, avg.body).toBe(200)
    expect(avg.json().outputs[0].data[0]).toBeCloseTo(
      (linear(rows[0] as number[], 0.5) + linear(rows[0] as number[], 100.5)) / 2,
      3,
    )
    // two of three members are version 1: it wins the vote
    const vote = await infer('delay-vote', json('features', rows))
    expect(vote.statusCode, vote.body).toBe(200)
    expect(vote.json().outputs[0].data).toEqual([linear(rows[0] as number[], 0.5)])
  })

  it('routes a switch by a header and by a typed condition on an input, else the default', async () => {
    const small = [[1, 2, 3]]
    const big = [[200, 0, 0]]
    const base = await infer('delay-switch', json('features', small))
    expect(base.json().outputs[0].data).toEqual([linear(small[0] as number[], 0.5)])
    const gold = await infer('delay-switch', json('features', small), { 'x-tier': 'gold' })
    expect(gold.json().outputs[0].data).toEqual([linear(small[0] as number[], 100.5)])
    const byInput = await infer('delay-switch', json('features', big))
    expect(byInput.json().outputs[0].data).toEqual([linear(big[0] as number[], 100.5)])
    // rows that take different branches: one request takes one branch
    const mixed = await infer('delay-switch', json('features', [...small, ...big]))
    expect(mixed.statusCode).toBe(400)
    expect(mixed.json().error).toMatch(
      /graph "delay-switch" node "big": rows 0 and 1 of input "features" take different branches/,
    )
  })

  it('answers over gRPC like over REST', async () => {
    const client = inferenceGrpcClient(grpc.address)
    try {
      const { message, error } = await client.call('ModelInfer', {
        model_name: 'delay-seq',
        inputs: [{ name: 'raw', datatype: 'FP32', shape: [1, 3], contents: { fp32_contents: [1, 2, 3] } }],
      })
      expect(error).toBeUndefined()
      expect(message.model_name).toBe('delay-seq')
      expect(message.outputs[0].contents.fp32_contents).toEqual([linear([2, 4, 6], 0.5)])
    } finally {
      client.close()
    }
  })

  it('logs every node under the request prediction id, and lineage reaches each node model version', async () => {
    const res = await infer('delay-seq', json('raw', [[1, 1, 1]]))
    const id = res.json().parameters.prediction_id as string
    await (await strata.serving()).flushPayloadLog()
    const payloads = await strata.payloads()
    const scale = await payloads.get(`${id}/scale`)
    expect(scale).toMatchObject({
      endpoint: 'delay-seq/scale',
      modelName: 'scaler',
      modelVersion: 1,
      status: 'ok',
    })
    expect(scale.inputs).toEqual({ raw: { datatype: 'FP32', shape: [1, 3], data: [1, 1, 1] } })
    expect(scale.outputs).toEqual({ scaled: { datatype: 'FP32', shape: [1, 3], data: [2, 2, 2] } })
    const predict = await payloads.get(`${id}/predict`)
    expect(predict).toMatchObject({ endpoint: 'delay-seq/predict', modelName: 'delay', modelVersion: 1 })
    expect(predict.inputs).toEqual({ features: { datatype: 'FP32', shape: [1, 3], data: [2, 2, 2] } })
    const lineage = await payloads.lineage(id)
    const ids = lineage.nodes.map((n) => n.id)
    expect(ids).toEqual(
      expect.arrayContaining([
        `prediction:${id}`,
        `prediction:${id}/scale`,
        `prediction:${id}/predict`,
        'model-version:scaler/1',
        'model-version:delay/1',
      ]),
    )
  })

  it('fails the whole request naming the node that failed, never a partial answer; the failure is logged', async () => {
    const res = await infer('delay-seq', json('raw', [[-1, -1, -1]]))
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({
      error: expect.stringMatching(
        /graph "delay-seq" node "scale" \(model "scaler" version 1\) failed: .*row 0 is all -1/,
      ),
    })
    expect(res.json().outputs).toBeUndefined()
    // a client mistake is still a 400, checked against the graph's signature
    const wrong = await infer('delay-seq', json('features', [[1, 2, 3]]))
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json().error).toMatch(/unknown input "features"/)
  })

  describe('validation before serving', () => {
    it('refuses an unknown model or alias, naming the node', async () => {
      const err = await strataRejection(
        strata.serveGraph(
          inferenceGraph({
            name: 'bad-alias',
            kind: 'sequence',
            steps: [
              { name: 'scale', model: 'scaler@champion' },
              { name: 'predict', model: 'delay@nope', map: { features: 'scaled' } },
            ],
          }),
        ),
      )
      expect(err.code).toBe('NOT_FOUND')
      expect(err.message).toMatch(/graph "bad-alias" node "predict": model "delay@nope" cannot be served/)
    })

    it('refuses a sequence whose step input has no source, or a shape that does not fit', async () => {
      const noSource = await strataRejection(
        strata.serveGraph(
          inferenceGraph({
            name: 'bad-seq',
            kind: 'sequence',
            steps: [
              { name: 'scale', model: 'scaler@champion' },
              { name: 'predict', model: 'delay@champion' },
            ],
          }),
        ),
      )
      expect(noSource.code).toBe('INVALID_ARGUMENT')
      expect(noSource.message).toMatch(
        /graph "bad-seq" node "predict": input "features" \(FP32 \[-1,3\]\) has no source: node "scale" outputs "scaled" \(FP32 \[-1,3\]\); feed it with map/,
      )
      const shape = await strataRejection(
        strata.serveGraph(
          inferenceGraph({
            name: 'bad-shape',
            kind: 'sequence',
            steps: [
              { name: 'first', model: 'delay/1' },
              { name: 'second', model: 'delay/2', map: { features: 'prediction' } },
            ],
          }),
        ),
      )
      expect(shape.message).toMatch(
        /node "second": input "features" \(FP32 \[-1,3\]\) is fed by node "first"'s output "prediction" \(FP32 \[-1,1\]\); the shapes differ/,
      )
    })

    it('refuses an ensemble over versions with different output signatures', async () => {
      const err = await strataRejection(
        strata.serveGraph(
          inferenceGraph({
            name: 'bad-ensemble',
            kind: 'ensemble',
            combine: 'average',
            members: [
              { name: 'v1', model: 'delay/1' },
              { name: 'v3', model: 'delay/3' },
            ],
          }),
        ),
      )
      expect(err.code).toBe('INVALID_ARGUMENT')
      expect(err.message).toMatch(
        /graph "bad-ensemble" node "v3": its outputs .*\[-1,2\].* differ from node "v1"'s .*\[-1,1\]/,
      )
    })

    it('refuses a condition whose value is not of the input datatype', async () => {
      const err = await strataRejection(
        strata.serveGraph(
          inferenceGraph({
            name: 'bad-switch',
            kind: 'switch',
            cases: [{ name: 'x', model: 'delay/2', when: { input: 'features', op: 'eq', value: 'big' } }],
            default: { name: 'base', model: 'delay/1' },
          }),
        ),
      )
      expect(err.message).toMatch(
        /node "x": the condition compares input "features" \(FP32 \[-1,3\]\) with "big"; a FP32 input compares with a number/,
      )
    })

    it('leaves nothing served under a refused graph name', async () => {
      const res = await infer('bad-seq', json('raw', [[1, 2, 3]]))
      expect(res.statusCode).toBe(404)
    })
  })
})
