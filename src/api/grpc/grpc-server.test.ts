import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { status } from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InferenceGrpcClient, inferenceGrpcClient, rawBytes } from '../../../test/support/grpc-client.js'
import {
  INT64_PREDICTOR_TS,
  INT64_SIGNATURE,
  linearOnnx,
  linearPrediction,
} from '../../../test/support/serving-models.js'
import { openStrata, type Strata } from '../../platform/index.js'
import { type RunningGrpcServer, startGrpcServer } from './grpc-server.js'

let dir: string
let strata: Strata
let grpc: RunningGrpcServer
let client: InferenceGrpcClient

const features = (rows: number[][]) => Float32Array.from(rows.flat())

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-grpc-'))
  strata = await openStrata({ cwd: dir, config: { blobs: 'memory:' }, env: {} })
  const registry = await strata.registry()
  await registry.registerVersion('linear', { onnx: linearOnnx() })
  await registry.registerVersion('sums', {
    files: [{ path: 'predictor.ts', bytes: new TextEncoder().encode(INT64_PREDICTOR_TS) }],
    signature: INT64_SIGNATURE,
  })
  const server = await strata.serving()
  await server.deploy('linear')
  await server.deploy('sums')
  grpc = await startGrpcServer({ server: () => strata.serving(), version: '9.9.9' })
  client = inferenceGrpcClient(grpc.address)
}, 60_000)
afterAll(async () => {
  client?.close()
  await grpc?.close()
  await strata?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('health and metadata', () => {
  it('answers live, ready and the server metadata', async () => {
    expect((await client.call('ServerLive', {})).message).toEqual({ live: true })
    expect((await client.call('ServerReady', {})).message).toEqual({ ready: true })
    expect((await client.call('ServerMetadata', {})).message).toEqual({
      name: 'strata',
      version: '9.9.9',
      extensions: [],
    })
  })

  it('answers model readiness: a model not served is not ready, not an error', async () => {
    expect((await client.call('ModelReady', { name: 'linear' })).message).toEqual({ ready: true })
    expect((await client.call('ModelReady', { name: 'linear', version: '1' })).message).toEqual({
      ready: true,
    })
    expect((await client.call('ModelReady', { name: 'linear', version: '2' })).message).toEqual({
      ready: false,
    })
    expect((await client.call('ModelReady', { name: 'nope' })).message).toEqual({ ready: false })
  })

  it('answers model metadata with -1 for variable dimensions; an unknown model is NOT_FOUND', async () => {
    const { message } = await client.call('ModelMetadata', { name: 'linear' })
    expect(message).toEqual({
      name: 'linear',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'features', datatype: 'FP32', shape: ['-1', '3'] }],
      outputs: [{ name: 'prediction', datatype: 'FP32', shape: ['-1', '1'] }],
    })
    const missing = await client.call('ModelMetadata', { name: 'nope' })
    expect(missing.error?.code).toBe(status.NOT_FOUND)
    expect(missing.error?.details).toBe('model "nope" is not served (served: linear, sums)')
  })
})

describe('ModelInfer', () => {
  const rows = [
    [1, 2, 3],
    [0.25, -1, 4],
  ]

  it('takes raw_input_contents and answers raw_output_contents, naming the version that answered', async () => {
    const { message, headers, error } = await client.call('ModelInfer', {
      model_name: 'linear',
      id: 'req-1',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 3] }],
      raw_input_contents: [rawBytes(features(rows))],
    })
    expect(error).toBeUndefined()
    expect(message.model_name).toBe('linear')
    expect(message.model_version).toBe('1')
    expect(message.id).toBe('req-1')
    expect(message.outputs).toEqual([
      { name: 'prediction', datatype: 'FP32', shape: ['2', '1'], parameters: {}, contents: null },
    ])
    const raw = message.raw_output_contents[0] as Buffer
    const out = new Float32Array(new Uint8Array(raw).buffer)
    expect([...out]).toEqual(rows.map(linearPrediction))
    const predictionId = message.parameters.prediction_id.string_param
    expect(predictionId).toMatch(/^[0-9a-f]{12}-[0-9a-f]{16}$/)
    expect(headers['strata-prediction-id']).toBe(predictionId)
    expect(headers['strata-model-version']).toBe('1')
  })

  it('takes typed contents and answers typed contents', async () => {
    const { message, error } = await client.call('ModelInfer', {
      model_name: 'linear',
      model_version: '1',
      inputs: [
        { name: 'features', datatype: 'FP32', shape: [2, 3], contents: { fp32_contents: rows.flat() } },
      ],
      outputs: [{ name: 'prediction' }],
    })
    expect(error).toBeUndefined()
    expect(message.raw_output_contents).toEqual([])
    expect(message.outputs[0].contents.fp32_contents).toEqual(rows.map(linearPrediction))
  })

  it('carries INT64 exactly beyond 2^53, typed and raw', async () => {
    const big = 2n ** 60n + 3n
    const typed = await client.call('ModelInfer', {
      model_name: 'sums',
      inputs: [
        {
          name: 'ids',
          datatype: 'INT64',
          shape: [2, 2],
          contents: { int64_contents: [String(big), '1', '-5', '2'] },
        },
      ],
    })
    expect(typed.error).toBeUndefined()
    const byName = Object.fromEntries(typed.message.outputs.map((o: { name: string }) => [o.name, o]))
    expect(byName.sum.contents.int64_contents).toEqual([String(big + 1n), '-3'])
    expect(byName.half.contents.fp64_contents).toEqual([Number(big + 1n) / 2, -1.5])

    const raw = await client.call('ModelInfer', {
      model_name: 'sums',
      inputs: [{ name: 'ids', datatype: 'INT64', shape: [1, 2] }],
      outputs: [{ name: 'sum' }],
      raw_input_contents: [rawBytes(BigInt64Array.from([big, big]))],
    })
    expect(raw.error).toBeUndefined()
    expect(raw.message.outputs.map((o: { name: string }) => o.name)).toEqual(['sum'])
    const sum = new BigInt64Array(new Uint8Array(raw.message.raw_output_contents[0]).buffer)
    expect([...sum]).toEqual([2n * big])
  })

  it('logs each prediction in the payload log and counts it in the metrics, as REST does', async () => {
    const { message } = await client.call('ModelInfer', {
      model_name: 'linear',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], contents: { fp32_contents: [1, 1, 1] } }],
    })
    const id = message.parameters.prediction_id.string_param as string
    const server = await strata.serving()
    await server.flushPayloadLog()
    const logged = await (await strata.payloads()).get(id)
    expect(logged).toMatchObject({ endpoint: 'linear', modelName: 'linear', modelVersion: 1, status: 'ok' })
    expect(logged?.requestId).toMatch(/^grpc-/)
    expect(server.metrics.render(server.payloadStats())).toMatch(
      /strata_inference_request_success_total\{model="linear",version="1"\} [1-9]/,
    )
  })
})

describe('client mistakes', () => {
  const call = (request: object) => client.call('ModelInfer', request)
  const fp32 = (shape: number[], values: number[], datatype = 'FP32') => ({
    model_name: 'linear',
    inputs: [{ name: 'features', datatype, shape, contents: { fp32_contents: values } }],
  })

  it.each([
    [
      'an unknown model',
      { ...fp32([1, 3], [1, 2, 3]), model_name: 'nope' },
      status.NOT_FOUND,
      'model "nope" is not served (served: linear, sums)',
    ],
    [
      'a version not served',
      { ...fp32([1, 3], [1, 2, 3]), model_version: '7' },
      status.NOT_FOUND,
      'model "linear" version "7" is not served; the served version is 1',
    ],
    [
      'a datatype other than the signature’s',
      {
        model_name: 'linear',
        inputs: [
          { name: 'features', datatype: 'FP64', shape: [1, 3], contents: { fp64_contents: [1, 2, 3] } },
        ],
      },
      status.INVALID_ARGUMENT,
      'input "features" has datatype FP64 but the model expects FP32',
    ],
    [
      'a shape other than the signature’s',
      fp32([1, 4], [1, 2, 3, 4]),
      status.INVALID_ARGUMENT,
      'input "features" has shape [1,4] but the model expects [-1,3] (-1 = any size)',
    ],
    [
      'contents that do not fill the shape',
      fp32([2, 3], [1, 2, 3]),
      status.INVALID_ARGUMENT,
      'input "features": shape [2,3] holds 6 elements but contents.fp32_contents has 3',
    ],
    [
      'values in the wrong contents field',
      {
        model_name: 'linear',
        inputs: [
          { name: 'features', datatype: 'FP32', shape: [1, 3], contents: { int_contents: [1, 2, 3] } },
        ],
      },
      status.INVALID_ARGUMENT,
      'input "features": datatype FP32 carries its values in contents.fp32_contents, but the request set contents.int_contents',
    ],
    [
      'an unknown datatype',
      fp32([1, 3], [1, 2, 3], 'BF16'),
      status.INVALID_ARGUMENT,
      'input "features": datatype "BF16" is not supported; expected one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES',
    ],
    [
      'raw contents of the wrong size',
      {
        model_name: 'linear',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3] }],
        raw_input_contents: [Buffer.alloc(8)],
      },
      status.INVALID_ARGUMENT,
      'input "features": shape [1,3] of FP32 needs 12 bytes but its raw_input_contents entry has 8',
    ],
    [
      'fewer raw contents than inputs',
      {
        model_name: 'sums',
        inputs: [
          { name: 'ids', datatype: 'INT64', shape: [1, 2] },
          { name: 'more', datatype: 'INT64', shape: [1, 2] },
        ],
        raw_input_contents: [Buffer.alloc(16)],
      },
      status.INVALID_ARGUMENT,
      'raw_input_contents has 1 entries but the request has 2 inputs; send one per input, in order, or none',
    ],
    [
      'an input the model does not take',
      {
        model_name: 'linear',
        inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], contents: { fp32_contents: [1, 2, 3] } }],
      },
      status.INVALID_ARGUMENT,
      undefined,
    ],
    [
      'an output the model does not have',
      { ...fp32([1, 3], [1, 2, 3]), outputs: [{ name: 'nope' }] },
      status.INVALID_ARGUMENT,
      undefined,
    ],
    [
      'no model name',
      { inputs: [] },
      status.INVALID_ARGUMENT,
      'model_name is empty; name the model to infer with',
    ],
  ])('%s', async (_what, request, code, details) => {
    const { error } = await call(request)
    expect(error?.code).toBe(code)
    if (details !== undefined) expect(error?.details).toBe(details)
    else expect(error?.details).toMatch(/"(x|nope)"/)
  })

  it('refuses a message over the configured limit with RESOURCE_EXHAUSTED', async () => {
    const small = await startGrpcServer({
      server: () => strata.serving(),
      version: '0',
      maxMessageBytes: 1024,
    })
    const c = inferenceGrpcClient(small.address)
    try {
      const { error } = await c.call('ModelInfer', {
        model_name: 'linear',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [100, 3] }],
        raw_input_contents: [Buffer.alloc(1200)],
      })
      expect(error?.code).toBe(status.RESOURCE_EXHAUSTED)
      expect(error?.details).toMatch(/larger than max \(\d+ vs 1024\)/)
    } finally {
      c.close()
      await small.close()
    }
  })
})

describe('tokens: the same tokens and scopes as REST', () => {
  let secured: RunningGrpcServer
  let c: InferenceGrpcClient
  let read: string
  let other: string
  beforeAll(async () => {
    const tokens = await strata.tokens()
    read = (await tokens.create({ name: 'grpc-read', scopes: 'read' })).token
    other = (await tokens.create({ name: 'grpc-data', scopes: 'write:data' })).token
    secured = await startGrpcServer({ server: () => strata.serving(), version: '0', tokens: strata })
    c = inferenceGrpcClient(secured.address)
  })
  afterAll(async () => {
    c?.close()
    await secured?.close()
  })
  const infer = {
    model_name: 'linear',
    inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], contents: { fp32_contents: [1, 2, 3] } }],
  }

  it('answers health without a token', async () => {
    expect((await c.call('ServerLive', {})).message).toEqual({ live: true })
    expect((await c.call('ServerReady', {})).message).toEqual({ ready: true })
  })

  it('refuses metadata and inference without a token, with a token of another scope, or an unknown one', async () => {
    const none = await c.call('ModelInfer', infer)
    expect(none.error?.code).toBe(status.UNAUTHENTICATED)
    expect(none.error?.details).toBe(
      'call /inference.GRPCInferenceService/ModelInfer needs a token with scope "read": send metadata "authorization: Bearer <token>" (create a token with "strata token create")',
    )
    const meta = await c.call('ModelMetadata', { name: 'linear' })
    expect(meta.error?.code).toBe(status.UNAUTHENTICATED)
    const wrong = await c.call('ModelInfer', infer, { authorization: `Bearer ${other}` })
    expect(wrong.error?.code).toBe(status.PERMISSION_DENIED)
    expect(wrong.error?.details).toBe(
      'token "grpc-data" may not call /inference.GRPCInferenceService/ModelInfer: that needs scope "read", the token holds write:data',
    )
    const unknown = await c.call('ModelInfer', infer, { authorization: 'Bearer nope' })
    expect(unknown.error?.code).toBe(status.UNAUTHENTICATED)
    expect(unknown.error?.details).toMatch(/unknown or revoked/)
  })

  it('answers with a token holding the scope', async () => {
    const ok = await c.call('ModelInfer', infer, { authorization: `Bearer ${read}` })
    expect(ok.error).toBeUndefined()
    expect(ok.message.outputs[0].contents.fp32_contents).toEqual([linearPrediction([1, 2, 3])])
    expect(
      (await c.call('ModelMetadata', { name: 'linear' }, { authorization: `Bearer ${read}` })).message.name,
    ).toBe('linear')
  })
})
