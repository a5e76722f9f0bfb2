import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type DriverEtaProject,
  driverRows,
  etaOnnx,
  ETA_NOW as NOW,
  openDriverEtaProject,
} from '../../../test/support/driver-eta-project.js'
import { strataRejection } from '../../../test/support/strata-error.js'
import type { Strata } from '../../platform/index.js'
import type { DeliveryController } from './delivery-controller.js'
import type { DeliveryService } from './delivery-service.js'

const DRIVERS = Array.from({ length: 16 }, (_, i) => i + 1)
/** Driver d made d trips with rating 1 + d/10. */
const trips = (d: number) => d
const rating = (d: number) => 1 + d / 10
/** Each version adds its own intercept, so an answer tells which version computed it. */
const INTERCEPT: Record<number, number> = { 1: 0.5, 2: 100.5, 3: 200.5 }
const expected = (version: number, d: number, hour: number) =>
  (INTERCEPT[version] as number) + trips(d) + 2 * rating(d) + 3 * hour
/** Float32 answers: equal to 3 decimals (the versions differ by 100). */
function expectClose(got: number[], want: number[]) {
  expect(got).toHaveLength(want.length)
  for (const [i, w] of want.entries()) expect(got[i]).toBeCloseTo(w, 3)
}

/**
 * `POST /v1/predict/{deployment}` on a deployment under progressive delivery: the router picks
 * the version by the policy (canary split sticky on a header, A/B sticky on an entity key,
 * shadow), the version that answered is named, and every row is logged as a prediction of that
 * version and revision.
 */
describe('routed entity-row predictions: /v1/predict/{deployment} through the delivery router', () => {
  let project: DriverEtaProject
  let strata: Strata
  let app: FastifyInstance
  let delivery: DeliveryService
  let controller: DeliveryController

  beforeAll(async () => {
    // driver d made trips(d) trips with rating(d)
    project = await openDriverEtaProject('routed-predict', driverRows(DRIVERS), async (s) => {
      strata = s
      const registry = await strata.registry()
      const tags = { feature_service: 'dispatch' }
      await registry.registerVersion('eta', { onnx: etaOnnx(INTERCEPT[1] as number), tags })
      await registry.registerVersion('eta', { onnx: etaOnnx(INTERCEPT[2] as number), tags })
      // same tensors, but its last column is "minute": it cannot answer the rows the others read
      await registry.registerVersion('eta', { onnx: etaOnnx(INTERCEPT[3] as number, 'minute'), tags })
      await registry.setAlias('eta', 'champion', 1)
      delivery = await strata.delivery()
      await delivery.create('eta-canary', {
        model: 'eta',
        candidate: 2,
        strategy: 'canary',
        steps: [50],
        sticky: { header: 'x-user-id' },
        intervalMs: 3_600_000,
      })
      await delivery.create('eta-ab', {
        model: 'eta',
        candidate: 2,
        strategy: 'ab',
        split: { 1: 50, 2: 50 },
        sticky: { input: 'driver_id' },
        intervalMs: 3_600_000,
      })
      await delivery.create('eta-shadow', {
        model: 'eta',
        candidate: 2,
        strategy: 'shadow',
        intervalMs: 3_600_000,
      })
      await delivery.create('eta-mixed', {
        model: 'eta',
        candidate: 3,
        strategy: 'canary',
        steps: [50],
        intervalMs: 3_600_000,
      })
      controller = await strata.deliveryController()
      await controller.sync()
    })
    app = project.app
  }, 120_000)
  afterAll(() => project?.close())

  const predict = (deployment: string, entities: Record<string, unknown>[], headers = {}) =>
    app.inject({ method: 'POST', url: `/v1/predict/${deployment}`, payload: { entities }, headers })

  it('a canary sticky on a header: each user always gets one version, the same one the tensor route gives them', async () => {
    const revision = (await delivery.status('eta-canary')).revision
    const seen = new Map<number, number>()
    for (let u = 0; u < 24; u++) {
      const headers = { 'x-user-id': `user-${u}` }
      const res = await predict(
        'eta-canary',
        [
          { driver_id: 4, hour: 2 },
          { driver_id: 9, hour: 0 },
        ],
        headers,
      )
      expect(res.statusCode, res.body).toBe(200)
      const version = Number(res.headers['strata-model-version'])
      const body = res.json()
      expect(body.model_version).toBe(String(version))
      expect(res.headers['strata-deployment-revision']).toBe(String(revision))
      expect(res.headers['strata-deployment-role']).toBe(version === 2 ? 'candidate' : 'champion')
      expectClose(
        body.predictions.map((p: { prediction: { prediction: number } }) => p.prediction.prediction),
        [expected(version, 4, 2), expected(version, 9, 0)],
      )
      // the same user, again and through the tensor route: the same version
      const again = await predict('eta-canary', [{ driver_id: 1, hour: 1 }], headers)
      expect(again.headers['strata-model-version']).toBe(String(version))
      const tensor = await app.inject({
        method: 'POST',
        url: '/v2/models/eta-canary/infer',
        headers,
        payload: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], data: [1, 1, 1] }] },
      })
      expect(tensor.statusCode, tensor.body).toBe(200)
      expect(tensor.json().model_version).toBe(String(version))
      seen.set(version, (seen.get(version) ?? 0) + 1)
    }
    expect([...seen.keys()].sort()).toEqual([1, 2])

    // each row is its own prediction of the version and revision that answered, with its entity key
    const res = await predict(
      'eta-canary',
      [
        { driver_id: 5, hour: 3 },
        { driver_id: 6, hour: 3 },
      ],
      {
        'x-user-id': 'user-0',
      },
    )
    const version = Number(res.headers['strata-model-version'])
    const server = await strata.serving()
    await server.flushPayloadLog()
    const payloads = await strata.payloads()
    for (const [i, p] of (res.json().predictions as { prediction_id: string }[]).entries()) {
      const logged = await payloads.get(p.prediction_id)
      expect(logged).toMatchObject({
        endpoint: 'eta-canary',
        modelName: 'eta',
        modelVersion: version,
        deploymentRevision: String(revision),
        entityKey: { driver_id: 5 + i },
        inputs: { driver_id: 5 + i, hour: 3, trips: trips(5 + i), rating: rating(5 + i) },
        featureViews: [{ name: 'driver_stats', version: 1 }],
        status: 'ok',
      })
    }
  })

  it('an A/B split sticky on an entity key routes by the first row’s key, and both versions serve some drivers', async () => {
    const byDriver = new Map<number, string>()
    for (const d of DRIVERS) {
      const res = await predict('eta-ab', [{ driver_id: d, hour: 1 }])
      expect(res.statusCode, res.body).toBe(200)
      const version = res.headers['strata-model-version'] as string
      expectClose([res.json().predictions[0].prediction.prediction], [expected(Number(version), d, 1)])
      byDriver.set(d, version)
      // sticky: the same driver, with other request values, gets the same version
      const again = await predict('eta-ab', [{ driver_id: d, hour: 7 }])
      expect(again.headers['strata-model-version']).toBe(version)
    }
    expect(new Set(byDriver.values())).toEqual(new Set(['1', '2']))
  })

  it('a shadow answers from the champion and mirrors each row to the candidate, logged as shadow predictions', async () => {
    const res = await predict('eta-shadow', [
      { driver_id: 11, hour: 2 },
      { driver_id: 12, hour: 2 },
    ])
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['strata-model-version']).toBe('1')
    expect(res.headers['strata-deployment-role']).toBe('champion')
    expectClose(
      res.json().predictions.map((p: { prediction: { prediction: number } }) => p.prediction.prediction),
      [expected(1, 11, 2), expected(1, 12, 2)],
    )
    await controller.router('eta-shadow')?.settled()
    const server = await strata.serving()
    await server.flushPayloadLog()
    const revision = (await delivery.status('eta-shadow')).revision
    const shadow = await (await strata.payloads()).query({
      endpoint: 'eta-shadow',
      deploymentRevision: `${revision}/shadow`,
    })
    const mirrored = shadow.records
      .map((r) => ({
        version: r.modelVersion,
        driver: (r.entityKey as { driver_id: number }).driver_id,
        prediction: (r.outputs as { prediction: { data: number[] } }).prediction.data[0] as number,
      }))
      .sort((a, b) => a.driver - b.driver)
    expect(mirrored.map((m) => [m.version, m.driver])).toEqual([
      [2, 11],
      [2, 12],
    ])
    expectClose(
      mirrored.map((m) => m.prediction),
      [expected(2, 11, 2), expected(2, 12, 2)],
    )
  })

  it('refuses, naming both, a deployment whose versions read different features, and unknown or missing keys as for plain deployments', async () => {
    const mixed = await predict('eta-mixed', [{ driver_id: 1, hour: 1, minute: 5 }])
    expect(mixed.statusCode).toBe(412)
    expect(mixed.json().error.message).toContain(
      'deployment "eta-mixed" serves version 1 reading feature service "dispatch" into features:FP32[trips,rating,hour] and version 3 reading feature service "dispatch" into features:FP32[trips,rating,minute]',
    )
    const unknown = await predict('eta-canary', [{ driver_id: 99, hour: 1 }], { 'x-user-id': 'u' })
    expect(unknown.statusCode).toBe(412)
    expect(unknown.json().error.message).toMatch(/entity \{"driver_id":99,"hour":1\} has no online value/)
    const noKey = await predict('eta-canary', [{ hour: 1 }])
    expect(noKey.statusCode).toBe(400)
    expect(noKey.json().error.message).toContain('entity row 0 has no "driver_id"')
    // entity rows that do not match the input rows are refused, never logged against other rows
    const server = await strata.serving()
    const row = { entityKey: { driver_id: 1 }, inputs: { driver_id: 1 } }
    const mismatched = await strataRejection(
      server.infer('eta-canary', '1', {
        inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], values: Float32Array.from([1, 1, 1]) }],
        entityRows: { rows: [row, row], featureViews: [], at: NOW, start: performance.now() },
      }),
    )
    expect(mismatched.code).toBe('INVALID_ARGUMENT')
    expect(mismatched.message).toBe(
      'the request carries 2 entity rows but its inputs hold 1 rows; expected one input row per entity row',
    )
    // the tensor route of the mixed deployment still works: its versions take the same tensors
    const tensor = await app.inject({
      method: 'POST',
      url: '/v2/models/eta-mixed/infer',
      payload: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], data: [1, 1, 1] }] },
    })
    expect(tensor.statusCode, tensor.body).toBe(200)
  })
})
