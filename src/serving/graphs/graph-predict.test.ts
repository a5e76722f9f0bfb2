import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type DriverEtaProject,
  driverRows,
  etaOnnx,
  openDriverEtaProject,
} from '../../../test/support/driver-eta-project.js'
import type { Strata } from '../../platform/index.js'
import { inferenceGraph } from './graph-definition.js'

/** Version v: INTERCEPT[v] + trips + 2·rating + 3·hour (hour is a request-time value). */
const INTERCEPT: Record<number, number> = { 1: 0.5, 2: 100.5 }
const expected = (v: number, d: number, hour: number) =>
  (INTERCEPT[v] as number) + d + 2 * (1 + d / 10) + 3 * hour

/**
 * `POST /v1/predict/{graph}`: an ensemble whose members read one feature service answers entity
 * rows, one prediction id per row, and each member's call is logged per row as `<id>/<node>`
 * with the row's entity key.
 */
describe('entity-row predictions through an inference graph', () => {
  let project: DriverEtaProject
  let strata: Strata
  let app: FastifyInstance

  beforeAll(async () => {
    project = await openDriverEtaProject('graph-predict', driverRows([1, 2, 3]), async (s) => {
      strata = s
      const registry = await strata.registry()
      for (const v of [1, 2]) {
        const onnx = etaOnnx(INTERCEPT[v] as number)
        await registry.registerVersion('eta', { onnx, tags: { feature_service: 'dispatch' } })
      }
      await strata.serveGraph(
        inferenceGraph({
          name: 'eta-avg',
          kind: 'ensemble',
          combine: 'average',
          members: [
            { name: 'v1', model: 'eta/1' },
            { name: 'v2', model: 'eta/2' },
          ],
        }),
      )
    })
    app = project.app
  }, 120_000)
  afterAll(() => project?.close())

  it('answers each entity row with the members combined, and logs every node per row', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/predict/eta-avg',
      payload: {
        entities: [
          { driver_id: 1, hour: 2 },
          { driver_id: 3, hour: 0 },
        ],
      },
    })
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body.model_name).toBe('eta-avg')
    expect(body.feature_views).toEqual([{ name: 'driver_stats', version: 1 }])
    const got = body.predictions.map(
      (p: { prediction: Record<string, number> }) => Object.values(p.prediction)[0],
    )
    expect(got[0]).toBeCloseTo((expected(1, 1, 2) + expected(2, 1, 2)) / 2, 3)
    expect(got[1]).toBeCloseTo((expected(1, 3, 0) + expected(2, 3, 0)) / 2, 3)
    const ids = body.predictions.map((p: { prediction_id: string }) => p.prediction_id)
    expect(new Set(ids).size).toBe(2)
    await (await strata.serving()).flushPayloadLog()
    const payloads = await strata.payloads()
    const node = await payloads.get(`${ids[1]}/v2`)
    expect(node).toMatchObject({
      endpoint: 'eta-avg/v2',
      modelName: 'eta',
      modelVersion: 2,
      entityKey: { driver_id: 3 },
      featureViews: [{ name: 'driver_stats', version: 1 }],
    })
    expect(node.inputs).toMatchObject({ driver_id: 3, hour: 0, trips: 3 })
    const lineage = await payloads.lineage(ids[0])
    expect(lineage.nodes.map((n) => n.id)).toEqual(
      expect.arrayContaining(['model-version:eta/1', 'model-version:eta/2']),
    )
  })
})
