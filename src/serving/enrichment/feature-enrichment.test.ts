import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type DriverEtaProject,
  etaOnnx,
  openDriverEtaProject,
} from '../../../test/support/driver-eta-project.js'
import { strataRejection } from '../../../test/support/strata-error.js'
import type { Strata } from '../../platform/index.js'

/** prediction = 0.5 + trips + 2·rating + 3·hour, with columns named for the service and the request. */
const model = () => etaOnnx(0.5)

describe('feature enrichment: strata.predictor and POST /v1/predict/:deployment', () => {
  let project: DriverEtaProject
  let strata: Strata
  let app: FastifyInstance

  beforeAll(async () => {
    const rows = [
      "(1, TIMESTAMP '2024-01-09 10:00:00', 7, 4.5)",
      "(2, TIMESTAMP '2024-01-09 10:00:00', 3, NULL)",
      "(3, TIMESTAMP '2023-12-01 10:00:00', 1, 1.0)",
    ]
    project = await openDriverEtaProject('enrich', rows, async (s) => {
      strata = s
      const registry = await strata.registry()
      await registry.registerVersion('eta', { onnx: model(), tags: { feature_service: 'dispatch' } })
      await registry.setAlias('eta', 'champion', 1)
      await registry.registerVersion('unbound', { onnx: model() })
    })
    app = project.app
  })
  afterAll(() => project?.close())

  it('reads online features for the entity keys, assembles the inputs by the model’s feature names, and logs which views it read', async () => {
    const p = await strata.predictor('eta@champion')
    const one = await p.predict({ driver_id: 1, hour: 3 })
    expect(one).toMatchObject({
      modelName: 'eta',
      modelVersion: '1',
      outputs: { prediction: 0.5 + 7 + 2 * 4.5 + 3 * 3 },
      featureViews: [{ name: 'driver_stats', version: 1 }],
    })
    expect(one.predictionId).toMatch(/^[0-9a-f]{12}-[0-9a-f]{16}$/)
    // a stored null is the model's missing value (NaN), as in training sets
    const [a, b] = await p.predictMany([
      { driver_id: 1, hour: 0 },
      { driver_id: 2, hour: 0 },
    ])
    expect(a?.outputs.prediction).toBe(0.5 + 7 + 9)
    expect(Number.isNaN(b?.outputs.prediction)).toBe(true)

    const server = await strata.serving()
    await server.flushPayloadLog()
    const logged = await (await strata.payloads()).get(one.predictionId)
    expect(logged).toMatchObject({
      endpoint: 'eta',
      modelName: 'eta',
      modelVersion: 1,
      entityKey: { driver_id: 1 },
      inputs: { driver_id: 1, hour: 3, trips: 7, rating: 4.5 },
      outputs: { prediction: { datatype: 'FP32', shape: [1, 1], data: [25.5] } },
      featureViews: [{ name: 'driver_stats', version: 1 }],
      status: 'ok',
    })
    const byEntity = await (await strata.payloads()).query({ entityKey: { driver_id: 2 } })
    expect(byEntity.records).toHaveLength(1)
  })

  it('fails loudly, never with a plausible default: unknown entity, stale value, missing key or request value', async () => {
    const p = await strata.predictor('eta@champion')
    const unknown = await strataRejection(p.predict({ driver_id: 99, hour: 1 }))
    expect(unknown.code).toBe('FAILED_PRECONDITION')
    expect(unknown.message).toMatch(
      /feature "trips" of entity \{"driver_id":99,"hour":1\} has no online value \(NOT_FOUND/,
    )
    const stale = await strataRejection(p.predict({ driver_id: 3, hour: 1 }))
    expect(stale.message).toMatch(
      /feature "trips" of entity \{"driver_id":3,"hour":1\} is stale \(OUTSIDE_MAX_AGE/,
    )
    const noKey = await strataRejection(p.predict({ hour: 1 }))
    expect(noKey.code).toBe('INVALID_ARGUMENT')
    expect(noKey.message).toContain(
      'entity row 0 has no "driver_id"; feature service "dispatch" is keyed by driver_id',
    )
    const noHour = await strataRejection(p.predict({ driver_id: 1 }))
    expect(noHour.message).toContain(
      'entity row 0 has no "hour": the model needs it and it is not a feature of the service',
    )
    const badHour = await strataRejection(p.predict({ driver_id: 1, hour: 'noon' }))
    expect(badHour.message).toContain(
      '"hour" of entity row 0 is "noon"; the model\'s input is FP32, so it must be a number',
    )
    const unbound = await strataRejection(
      strata.predictor('unbound').then((u) => u.predict({ driver_id: 1, hour: 1 })),
    )
    expect(unbound.code).toBe('FAILED_PRECONDITION')
    expect(unbound.message).toContain('model "unbound" version 1 is not bound to a feature service')
    // failed predictions are logged as errors, per entity
    const server = await strata.serving()
    await server.flushPayloadLog()
    const errors = await (await strata.payloads()).query({ entityKey: { driver_id: 99 }, status: 'error' })
    expect(errors.records[0]?.error).toContain('NOT_FOUND')
  })

  it('answers POST /v1/predict/:deployment with one prediction id per entity row; 412 and 400 name what is wrong', async () => {
    await strata.predictor('eta@champion')
    const res = await app.inject({
      method: 'POST',
      url: '/v1/predict/eta',
      payload: {
        entities: [
          { driver_id: 1, hour: 3 },
          { driver_id: 1, hour: 0 },
        ],
      },
    })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({
      model_name: 'eta',
      model_version: '1',
      feature_views: [{ name: 'driver_stats', version: 1 }],
      predictions: [{ prediction: { prediction: 25.5 } }, { prediction: { prediction: 16.5 } }],
    })
    expect(body.predictions[0].prediction_id).not.toBe(body.predictions[1].prediction_id)
    const single = await app.inject({
      method: 'POST',
      url: '/v1/predict/eta',
      payload: { entities: [{ driver_id: 1, hour: 1 }] },
    })
    expect(single.headers['strata-prediction-id']).toBe(single.json().predictions[0].prediction_id)

    const stale = await app.inject({
      method: 'POST',
      url: '/v1/predict/eta',
      payload: { entities: [{ driver_id: 3, hour: 1 }] },
    })
    expect(stale.statusCode).toBe(412)
    expect(JSON.stringify(stale.json())).toContain('OUTSIDE_MAX_AGE')
    const missing = await app.inject({
      method: 'POST',
      url: '/v1/predict/eta',
      payload: { entities: [{ hour: 1 }] },
    })
    expect(missing.statusCode).toBe(400)
    const empty = await app.inject({ method: 'POST', url: '/v1/predict/eta', payload: { entities: [] } })
    expect(empty.statusCode).toBe(400)
    const unknown = await app.inject({
      method: 'POST',
      url: '/v1/predict/nope',
      payload: { entities: [{ driver_id: 1 }] },
    })
    expect(unknown.statusCode).toBe(404)
  })
})
