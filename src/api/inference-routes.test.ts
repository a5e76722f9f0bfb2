import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { linearOnnx, linearPrediction } from '../../test/support/serving-models.js'
import { openStrata, type Strata } from '../platform/index.js'
import { createServerApp } from './server-app.js'

interface Answer {
  status: number
  headers: Record<string, unknown>
  body: Buffer
  json: () => Record<string, unknown>
}

describe('Open Inference Protocol v2 REST routes', () => {
  let dir: string
  let strata: Strata
  let app: FastifyInstance

  const call = async (
    method: 'GET' | 'POST',
    url: string,
    payload?: string | Buffer,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const res = await app.inject({ method, url, ...(payload === undefined ? {} : { payload }), headers })
    return { status: res.statusCode, headers: res.headers, body: res.rawPayload, json: () => res.json() }
  }
  const infer = (body: unknown, url = '/v2/models/linear/infer') => call('POST', url, JSON.stringify(body))
  const row = (data: unknown, over: Record<string, unknown> = {}) => ({
    inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], data, ...over }],
  })

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-oip-'))
    strata = await openStrata({ cwd: dir, config: { project: 'oip-test' } })
    const registry = await strata.registry()
    await registry.registerVersion('linear', { onnx: linearOnnx() })
    await registry.setAlias('linear', 'champion', 1)
    await (await strata.serving()).deploy('linear@champion')
    app = await createServerApp(strata, { version: '9.9.9' })
  })
  afterAll(async () => {
    await app.close()
    await strata.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers health, server metadata (with and without the trailing slash) and model metadata', async () => {
    expect((await call('GET', '/v2/health/live')).json()).toEqual({ live: true })
    expect((await call('GET', '/v2/health/ready')).json()).toEqual({ ready: true })
    for (const url of ['/v2', '/v2/']) {
      expect((await call('GET', url)).json()).toEqual({
        name: 'strata',
        version: '9.9.9',
        extensions: ['binary_tensor_data'],
      })
    }
    const meta = {
      name: 'linear',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 3] }],
      outputs: [{ name: 'prediction', datatype: 'FP32', shape: [-1, 1] }],
    }
    expect((await call('GET', '/v2/models/linear')).json()).toEqual(meta)
    expect((await call('GET', '/v2/models/linear/versions/1')).json()).toEqual(meta)
    expect((await call('GET', '/v2/models/linear/ready')).json()).toEqual({ name: 'linear', ready: true })
    expect((await call('GET', '/v2/models/linear/versions/1/ready')).status).toBe(200)
    expect((await call('GET', '/v2/models')).json()).toEqual({ models: ['linear'] })
  })

  it('infers from JSON tensors (flat or nested), echoing the id, on versioned and unversioned routes', async () => {
    for (const url of ['/v2/models/linear/infer', '/v2/models/linear/versions/1/infer']) {
      const res = await infer(
        {
          id: 'req-1',
          inputs: [
            {
              name: 'features',
              datatype: 'FP32',
              shape: [2, 3],
              data: [
                [1, 2, 3],
                [4, 5, 6],
              ],
            },
          ],
        },
        url,
      )
      expect(res.status).toBe(200)
      const predictionId = res.headers['strata-prediction-id']
      expect(predictionId).toMatch(/^[0-9a-f]{12}-[0-9a-f]{16}$/)
      expect(res.json()).toEqual({
        model_name: 'linear',
        model_version: '1',
        id: 'req-1',
        parameters: { prediction_id: predictionId },
        outputs: [
          {
            name: 'prediction',
            datatype: 'FP32',
            shape: [2, 1],
            data: [linearPrediction([1, 2, 3]), linearPrediction([4, 5, 6])],
          },
        ],
      })
      // logged off the request path: in the payload log once flushed, with its lineage
      await (await strata.serving()).flushPayloadLog()
      const payloads = await strata.payloads()
      const logged = await payloads.get(String(predictionId))
      expect(logged).toMatchObject({
        endpoint: 'linear',
        modelName: 'linear',
        modelVersion: 1,
        requestId: expect.any(String),
        status: 'ok',
        inputs: { features: { datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] } },
        outputs: {
          prediction: {
            datatype: 'FP32',
            shape: [2, 1],
            data: [linearPrediction([1, 2, 3]), linearPrediction([4, 5, 6])],
          },
        },
      })
      const lineage = await payloads.lineage(String(predictionId))
      expect(lineage.nodes.map((n) => n.id)).toContain('model-version:linear/1')
    }
  })

  it("speaks Triton's binary tensor extension both ways, and accepts gzip bodies", async () => {
    const values = Float32Array.from([1, 2, 3, 0.5, 0.25, 0.125])
    const header = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 3], parameters: { binary_data_size: 24 } }],
        parameters: { binary_data_output: true },
      }),
    )
    const body = Buffer.concat([header, Buffer.from(values.buffer)])
    for (const [payload, extra] of [
      [body, {}],
      [gzipSync(body), { 'content-encoding': 'gzip' }],
    ] as const) {
      const res = await call('POST', '/v2/models/linear/infer', payload, {
        'inference-header-content-length': String(header.byteLength),
        ...extra,
      })
      expect(res.status).toBe(200)
      const n = Number(res.headers['inference-header-content-length'])
      const json = JSON.parse(res.body.subarray(0, n).toString())
      expect(json.outputs).toEqual([
        { name: 'prediction', datatype: 'FP32', shape: [2, 1], parameters: { binary_data_size: 8 } },
      ])
      const out = new Float32Array(new Uint8Array(res.body.subarray(n)).buffer)
      expect(Array.from(out)).toEqual([linearPrediction([1, 2, 3]), linearPrediction([0.5, 0.25, 0.125])])
    }
    // raw binary: header length 0, the single input's bytes, batch of one row
    const raw = await call(
      'POST',
      '/v2/models/linear/infer',
      Buffer.from(Float32Array.from([1, 2, 3]).buffer),
      {
        'inference-header-content-length': '0',
      },
    )
    expect(raw.status).toBe(200)
  })

  it('reports request counts, durations and batch sizes per model and version at /metrics', async () => {
    await infer(row([1, 2, 3]))
    await infer(row([1, 2, 3], { name: 'x' }))
    const res = await call('GET', '/metrics')
    expect(res.status).toBe(200)
    expect(String(res.headers['content-type'])).toMatch(/^text\/plain; version=0.0.4/)
    const text = res.body.toString()
    const value = (series: string) => Number(new RegExp(`^${series} (\\S+)$`, 'm').exec(text)?.[1])
    expect(value('strata_inference_request_success_total\\{model="linear",version="1"\\}')).toBeGreaterThan(0)
    expect(text).toContain('# TYPE strata_inference_request_duration_seconds histogram')
    expect(text).toMatch(/^strata_inference_batch_size_bucket\{model="linear",version="1",le="1"\} [1-9]/m)
    expect(text).toMatch(
      /^strata_inference_compute_duration_seconds_count\{model="linear",version="1"\} [1-9]/m,
    )
    expect(value('strata_payload_log_written_total')).toBeGreaterThan(0)
    expect(value('strata_payload_log_dropped_total')).toBe(0)
    expect(text).toContain('# TYPE strata_payload_log_queue_depth gauge')
  })

  it('answers client mistakes with 400 and {"error": ...} naming the field, unknown models with 404', async () => {
    const cases: [Promise<Answer>, number, RegExp][] = [
      [call('POST', '/v2/models/linear/infer', '{not json'), 400, /not valid JSON/],
      [infer({ inputs: 'x' }), 400, /"inputs"/],
      [
        infer(row([1, 2, 3], { datatype: 'FLOAT' })),
        400,
        /datatype "FLOAT" is not supported; expected one of BOOL/,
      ],
      [
        infer(row([1, 2, 3], { datatype: 'FP64' })),
        400,
        /input "features" has datatype FP64 but the model expects FP32/,
      ],
      [
        infer(row([1, 2, 3, 4], { shape: [1, 4] })),
        400,
        /input "features" has shape \[1,4\] but the model expects \[-1,3\]/,
      ],
      [infer(row([1, 2])), 400, /shape \[1,3\] holds 3 elements but data has 2/],
      [infer(row([1, 'a', 3])), 400, /element 1 \("a"\) is not a number/],
      [infer(row([1, null, 3])), 400, /element 1 \(null\) is not a number/],
      [infer(row([1, 2, 3], { name: 'x' })), 400, /unknown input "x"/],
      [infer({ inputs: [] }), 400, /missing input "features"/],
      [infer({ ...row([1, 2, 3]), outputs: [{ name: 'p' }] }), 400, /unknown output "p"/],
      [infer(row(undefined)), 400, /has neither "data" nor parameters.binary_data_size/],
      [call('POST', '/v2/models/linear/infer', '', {}), 400, /no body/],
      [
        call('POST', '/v2/models/linear/infer', '{"inputs":[]}', {
          'inference-header-content-length': '999',
        }),
        400,
        /inference-header-content-length "999" is invalid/,
      ],
      [infer(row([1, 2, 3]), '/v2/models/nope/infer'), 404, /model "nope" is not served \(served: linear\)/],
      [infer(row([1, 2, 3]), '/v2/models/linear/versions/3/infer'), 404, /version "3" is not served/],
      [call('GET', '/v2/models/nope'), 404, /model "nope" is not served/],
      [call('GET', '/v2/models/nope/ready'), 404, /not served/],
    ]
    for (const [pending, status, message] of cases) {
      const res = await pending
      expect(res.status, res.body.toString()).toBe(status)
      const body = res.json()
      expect(Object.keys(body)).toEqual(['error'])
      expect(body.error).toMatch(message)
    }
  })
})
