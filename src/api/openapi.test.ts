import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DriverFeatureStore, openDriverFeatureStore } from '../../test/support/driver-feature-store.js'
import { REST_ROUTES } from '../core/rest/index.js'
import { monitor } from '../monitoring/index.js'
import { openStrata, type Strata } from '../platform/index.js'
import { linearRegressorToOnnx } from '../registry/index.js'
import { ModelCache, ModelServer, newPredictionId } from '../serving/index.js'
import { createServerApp } from './server-app.js'

type Json = Record<string, unknown>

/** A two-step pipeline for the pipeline routes' samples. */
const PIPELINES = `import { mapStep, overParam, pipeline, step } from 'strata-ml'
const a = step({ name: 'a', run: (ctx) => { ctx.log('hello'); return { n: 1 } } })
const b = step({ name: 'b', inputs: { a }, run: (_ctx, { a }) => a.n + 1 })
export const twoSteps = pipeline({ name: 'two-steps', params: { k: 1 }, steps: [a, b] })
const sq = mapStep({ name: 'sq', over: overParam<number>('xs'), run: (_c, x) => x * x })
export const mapped = pipeline({ name: 'mapped', params: { xs: [1, 2, 3] }, steps: [sq] })
`
interface Operation {
  requestBody?: { content: Record<string, { schema: unknown }> }
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>
}
type OpenApiDocument = { openapi: string; paths: Record<string, Record<string, Operation>> }

let dir: string
let strata: Strata
let features: DriverFeatureStore
let app: FastifyInstance
let server: ModelServer
let doc: OpenApiDocument
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-openapi-'))
  writeFileSync(join(dir, 'pipelines.ts'), PIPELINES)
  strata = await openStrata({
    cwd: dir,
    config: { blobs: 'memory:', pipelines: 'pipelines.ts', stepThreads: 0 },
    env: {},
  })
  features = await openDriverFeatureStore({ pinClock: true })
  // the project's model server, reading the driver features (for POST /v1/predict)
  server = new ModelServer({
    source: () => strata.registry(),
    cache: new ModelCache(join(dir, 'model-cache')),
    features: async () => features.store,
  })
  // every scope (the requests' `as(principal)` too) reads the driver fixture's feature store
  const withDriver = (scope: Strata): Strata =>
    ({
      ...scope,
      features: async () => features.store,
      serving: async () => server,
      as: (p) => withDriver(scope.as(p) as Strata),
    }) as Strata
  app = await createServerApp(withDriver(strata), { version: '1.2.3' })
  doc = (await app.inject({ url: '/api/openapi.json' })).json()
  ajv.addSchema(doc, 'openapi.json')
})
afterAll(async () => {
  await app.close()
  await server.close()
  await features.close()
  await strata.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The document's operation for a route template such as `/api/runs/{id}`. */
function operation(method: string, template: string): Operation {
  const op = doc.paths[template]?.[method.toLowerCase()]
  if (op === undefined) throw new Error(`the document has no ${method} ${template}`)
  return op
}

/** Checks `value` against the schema at `pointer` inside the document; returns the errors. */
function check(pointer: string[], value: unknown): string[] {
  const ref = `openapi.json#/${pointer.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref })
  return validate(value)
    ? []
    : (validate.errors ?? []).map(
        (e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message}`,
      )
}

/** Which routes the samples reached with a 2xx: `METHOD template`. */
const exercised = new Set<string>()

/**
 * Sends a sample request: its JSON body must fit the document's request schema, and the answer
 * (JSON) the document's response schema for its status — exactly, or its class (`4XX`).
 */
async function sample(
  method: string,
  template: string,
  path: string,
  options: { body?: unknown; bytes?: Uint8Array; status?: number } = {},
): Promise<Json> {
  const op = operation(method, template)
  if (options.body !== undefined) {
    const errors = check(
      ['paths', template, method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema'],
      options.body,
    )
    expect(errors, `${method} ${template} request`).toEqual([])
  }
  const res = await app.inject({
    method: method as 'GET',
    url: path,
    ...(options.body !== undefined
      ? { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(options.body) }
      : options.bytes !== undefined
        ? { headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from(options.bytes) }
        : {}),
  })
  const expected = options.status ?? (method === 'POST' && res.statusCode === 201 ? 201 : 200)
  expect(res.statusCode, `${method} ${path}: ${res.body.slice(0, 300)}`).toBe(expected)
  const key =
    String(res.statusCode) in op.responses ? String(res.statusCode) : `${String(res.statusCode)[0]}XX`
  const content = op.responses[key]?.content
  expect(content, `${method} ${template} documents ${res.statusCode}`).toBeDefined()
  if (res.statusCode < 300) exercised.add(`${method} ${template}`)
  const type = String(res.headers['content-type'] ?? '')
  if (!type.startsWith('application/json')) {
    expect(Object.keys(content ?? {}).some((t) => type.startsWith(t))).toBe(true)
    return {}
  }
  const body = res.json() as Json
  const errors = check(
    ['paths', template, method.toLowerCase(), 'responses', key, 'content', 'application/json', 'schema'],
    body,
  )
  expect(
    errors,
    `${method} ${template} ${res.statusCode} response ${JSON.stringify(body).slice(0, 300)}`,
  ).toEqual([])
  return body
}

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3.1 document describing every route of the REST contract, and nothing else', () => {
    expect(doc.openapi).toBe('3.1.0')
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    )
    const contract = REST_ROUTES.map(
      (r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{path}')}`,
    )
    expect(documented.sort()).toEqual([...contract].sort())
  })

  it('validates sample requests and responses of every route against the document', async () => {
    await sample('GET', '/api/health', '/api/health')
    await sample('GET', '/api/session', '/api/session')
    await sample('GET', '/api/openapi.json', '/api/openapi.json')

    // Experiments.
    const exp = await sample('POST', '/api/experiments', '/api/experiments', {
      body: { name: 'doc', tags: { team: 'ml' } },
      status: 201,
    })
    const id = exp.experimentId as string
    await sample('POST', '/api/experiments', '/api/experiments', { body: { name: 'doc' }, status: 409 })
    await sample('GET', '/api/experiments', '/api/experiments?maxResults=1&orderBy=name&view=all')
    await sample('GET', '/api/experiments/{id}', `/api/experiments/${id}`)
    await sample('GET', '/api/experiments/by-name/{name}', '/api/experiments/by-name/doc')
    await sample('PATCH', '/api/experiments/{id}', `/api/experiments/${id}`, { body: { name: 'doc2' } })
    await sample('PUT', '/api/experiments/{id}/tags/{key}', `/api/experiments/${id}/tags/k`, {
      body: { value: 'v' },
    })

    // Runs.
    const run = await sample('POST', '/api/runs', '/api/runs', {
      body: { experimentId: id, name: 'r1', tags: { a: 'b' } },
      status: 201,
    })
    const runId = (run.info as Json).runId as string
    const other = await sample('POST', '/api/runs', '/api/runs', {
      body: { experiment: 'doc2' },
      status: 201,
    })
    const otherId = (other.info as Json).runId as string
    await sample('POST', '/api/runs/{id}/log', `/api/runs/${runId}/log`, {
      body: {
        metrics: [
          { key: 'loss', value: 0.5, step: 1 },
          { key: 'odd', value: 'NaN' },
        ],
        params: { lr: 0.1 },
        tags: { t: 'x' },
      },
    })
    await sample('GET', '/api/runs/{id}', `/api/runs/${runId}`)
    await sample('GET', '/api/runs', `/api/runs?experimentId=${id}&maxResults=1`)
    await sample('POST', '/api/runs/search', '/api/runs/search', {
      body: { experimentIds: [id], filter: "params.lr = '0.1'" },
    })
    await sample('GET', '/api/runs/{id}/metrics/{key}', `/api/runs/${runId}/metrics/loss?maxResults=5`)
    await sample('GET', '/api/metric-history/{key}', `/api/metric-history/loss?runId=${runId}&maxResults=10`)
    await sample('PATCH', '/api/runs/{id}', `/api/runs/${runId}`, { body: { name: 'renamed' } })
    await sample('PUT', '/api/runs/{id}/artifacts/{path}', `/api/runs/${runId}/artifacts/plots/a.txt`, {
      bytes: new TextEncoder().encode('hello'),
    })
    await sample('GET', '/api/runs/{id}/artifacts', `/api/runs/${runId}/artifacts?path=plots`)
    await sample('GET', '/api/runs/{id}/artifacts/{path}', `/api/runs/${runId}/artifacts/plots/a.txt`)
    await sample('GET', '/api/runs/{id}/compare', `/api/runs/${runId}/compare?with=${otherId}`)
    await sample('POST', '/api/runs/{id}/end', `/api/runs/${runId}/end`, { body: { status: 'FINISHED' } })
    await sample('DELETE', '/api/runs/{id}', `/api/runs/${otherId}`)
    await sample('POST', '/api/runs/{id}/restore', `/api/runs/${otherId}/restore`)
    await sample('GET', '/api/runs/{id}', '/api/runs/nope', { status: 404 })

    // Models.
    await sample('POST', '/api/models', '/api/models', {
      body: { name: 'm', description: 'd', tags: { a: 'b' } },
      status: 201,
    })
    await sample('GET', '/api/models', "/api/models?filter=name%20LIKE%20'm%25'")
    await sample('GET', '/api/models/{name}', '/api/models/m')
    await sample('PATCH', '/api/models/{name}', '/api/models/m', { body: { description: 'e' } })
    await sample('PUT', '/api/models/{name}/tags/{key}', '/api/models/m/tags/k', { body: { value: 'v' } })
    await sample('DELETE', '/api/models/{name}/tags/{key}', '/api/models/m/tags/k')
    const onnx = linearRegressorToOnnx({ coefficients: [[1, 2]], intercepts: [0] })
    await sample('POST', '/api/models/{name}/versions', `/api/models/m/versions?runId=${runId}`, {
      bytes: onnx,
      status: 201,
    })
    await sample('POST', '/api/models/{name}/versions', '/api/models/m/versions', {
      body: { flavor: 'external', source: 's3://bucket/model', metrics: { auc: 0.9 } },
      status: 201,
    })
    await sample('GET', '/api/models/{name}/versions', '/api/models/m/versions')
    // Lineage: the version registered from the run records run → model version.
    await sample('GET', '/api/lineage/{node}/upstream', '/api/lineage/model-version:m%2F1/upstream?depth=2')
    await sample('GET', '/api/lineage/{node}/downstream', `/api/lineage/run:${runId}/downstream`)
    await sample('GET', '/api/models/{name}/versions/{version}', '/api/models/m/versions/1')
    await sample('PATCH', '/api/models/{name}/versions/{version}', '/api/models/m/versions/1', {
      body: { description: 'x' },
    })
    await sample(
      'PUT',
      '/api/models/{name}/versions/{version}/tags/{key}',
      '/api/models/m/versions/1/tags/k',
      {
        body: { value: 'v' },
      },
    )
    await sample(
      'DELETE',
      '/api/models/{name}/versions/{version}/tags/{key}',
      '/api/models/m/versions/1/tags/k',
    )
    await sample(
      'GET',
      '/api/models/{name}/versions/{version}/files/{path}',
      '/api/models/m/versions/1/files/model.onnx',
    )
    await sample('PUT', '/api/models/{name}/aliases/{alias}', '/api/models/m/aliases/champion', {
      body: { version: 1, reason: 'first' },
    })
    await sample('GET', '/api/models/{name}/aliases/{alias}', '/api/models/m/aliases/champion')
    await sample('GET', '/api/models/{name}/aliases', '/api/models/m/aliases?alias=champion')
    await sample('DELETE', '/api/models/{name}/aliases/{alias}', '/api/models/m/aliases/champion?reason=done')
    await sample('DELETE', '/api/models/{name}/versions/{version}', '/api/models/m/versions/2')
    await sample('GET', '/api/models/{name}/versions/{version}', '/api/models/m/versions/x', { status: 400 })
    await sample('DELETE', '/api/models/{name}', '/api/models/m')

    // The feature server.
    await sample('POST', '/features/online', '/features/online', {
      body: { features: ['driver_hourly_stats:conv_rate'], entities: { driver_id: [1001, 1003] } },
    })
    await sample('POST', '/features/online', '/features/online', {
      body: { features: ['driver_hourly_stats:nope'], entities: { driver_id: [1] } },
      status: 404,
    })
    // feast serve's paths, for Feast's SDK and clients.
    await sample('POST', '/get-online-features', '/get-online-features', {
      body: { features: ['driver_hourly_stats:conv_rate'], entities: { driver_id: [1001] } },
    })
    await sample('POST', '/materialize', '/materialize', {
      body: {
        start_ts: '2021-04-01T00:00:00',
        end_ts: '2021-04-13T00:00:00',
        feature_views: ['driver_hourly_stats'],
      },
    })
    await sample('POST', '/materialize-incremental', '/materialize-incremental', {
      body: { end_ts: '2021-04-13T00:00:00' },
    })
    // Rows straight to the online store (a driver no other sample reads).
    const pushed = new Date().toISOString()
    const df = {
      driver_id: [1005],
      event_timestamp: [pushed],
      conv_rate: [0.5],
      acc_rate: [0.25],
      last_seen: [null],
    }
    await sample('POST', '/features/push', '/features/push', {
      body: { feature_view_name: 'driver_hourly_stats', df },
    })
    await sample('POST', '/features/push', '/features/push', {
      body: { feature_view_name: 'driver_hourly_stats', df: { ...df, conv_rate: ['high'] } },
      status: 400,
    })
    await sample('POST', '/push', '/push', {
      body: { push_source_name: 'driver_stats_push_source', df, to: 'online' },
    })
    await sample('POST', '/write-to-online-store', '/write-to-online-store', {
      body: { feature_view_name: 'driver_hourly_stats', df, allow_registry_cache: false },
    })
    const inventory = await sample('GET', '/api/features', '/api/features')
    expect(inventory.items).toContainEqual(
      expect.objectContaining({ kind: 'feature-view', name: 'driver_hourly_stats' }),
    )
    await sample(
      'GET',
      '/api/features/{kind}/{name}/versions',
      '/api/features/feature-view/driver_hourly_stats/versions',
    )
    await sample('GET', '/api/features/{kind}/{name}/versions', '/api/features/view/x/versions', {
      status: 400,
    })
    // Open Inference Protocol v2.
    await (await strata.registry()).registerVersion('oip', {
      onnx: linearRegressorToOnnx({ coefficients: [[1, 2]], intercepts: [0] }),
    })
    await server.deploy('oip')
    for (const path of ['/v2', '/v2/health/live', '/v2/health/ready', '/v2/models'])
      await sample('GET', path, path)
    await sample('GET', '/v2/models/{name}', '/v2/models/oip')
    await sample('GET', '/v2/models/{name}/versions/{version}', '/v2/models/oip/versions/1')
    await sample('GET', '/v2/models/{name}/ready', '/v2/models/oip/ready')
    await sample('GET', '/v2/models/{name}/versions/{version}/ready', '/v2/models/oip/versions/1/ready')
    const oipBody = new TextEncoder().encode(
      JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] }),
    )
    await sample('POST', '/v2/models/{name}/infer', '/v2/models/oip/infer', { bytes: oipBody })
    await sample('POST', '/v2/models/{name}/versions/{version}/infer', '/v2/models/oip/versions/1/infer', {
      bytes: oipBody,
    })
    await sample('POST', '/v2/models/{name}/infer', '/v2/models/nope/infer', { bytes: oipBody, status: 404 })
    // The JSON prediction route, enriched from the driver features.
    await (await strata.registry()).registerVersion('drv', {
      onnx: linearRegressorToOnnx(
        { coefficients: [[1, 2]], intercepts: [0] },
        { featureNames: ['conv_rate', 'conv_rate_plus_val'] },
      ),
      tags: { feature_service: 'driver_activity' },
    })
    await server.deploy('drv')
    await sample('POST', '/v1/predict/{deployment}', '/v1/predict/drv', {
      body: { entities: [{ driver_id: 1001, val_to_add: 1 }] },
    })
    // A delayed label, by the id of a logged prediction; an unknown id is a 404.
    const predictionId = newPredictionId(Date.now())
    await (await strata.payloads()).write([
      {
        id: predictionId,
        at: Date.now(),
        endpoint: 'drv',
        modelName: 'drv',
        modelVersion: 1,
        deploymentRevision: null,
        requestId: 'req-1',
        entityKey: { driver_id: 1001 },
        inputs: [{ name: 'conv_rate', datatype: 'FP32', shape: [1, 1], values: Float32Array.from([0.5]) }],
        outputs: [{ name: 'variable', datatype: 'FP32', shape: [1, 1], values: Float32Array.from([1]) }],
        latencyMs: 1,
        status: 'ok',
        error: null,
        featureViews: null,
      },
    ])
    const labelled = await sample('POST', '/api/monitoring/labels', '/api/monitoring/labels', {
      body: { labels: [{ prediction_id: predictionId, label: 1 }] },
    })
    expect(labelled).toEqual({ ingested: 1 })
    // By entity key and time: the latest prediction for the entity at or before it.
    await sample('POST', '/api/monitoring/labels', '/api/monitoring/labels', {
      body: { labels: [{ entity: { driver_id: 1001 }, time: new Date().toISOString(), label: 0 }] },
    })
    await sample('POST', '/api/monitoring/labels', '/api/monitoring/labels', {
      body: { labels: [{ entity: { driver_id: 9999 }, time: Date.now(), label: 0 }] },
      status: 404,
    })
    await sample('POST', '/api/monitoring/labels', '/api/monitoring/labels', {
      body: { labels: [{ prediction_id: 'no-such-prediction', label: 0 }] },
      status: 404,
    })
    await sample('GET', '/api/monitoring/loops', '/api/monitoring/loops?inFlight=true')
    await sample('POST', '/v1/predict/{deployment}', '/v1/predict/drv', {
      body: { entities: [{ driver_id: 1002, val_to_add: 1 }] },
      status: 412,
    })

    // Progressive delivery.
    await (await strata.registry()).registerVersion('oip', {
      onnx: linearRegressorToOnnx({ coefficients: [[1, 2]], intercepts: [0] }),
    })
    const dep = '/api/deployments/{name}'
    await sample('POST', dep, '/api/deployments/oip-ep', { body: { model: 'oip', champion: 1 } })
    await sample('POST', dep, '/api/deployments/oip-ep', {
      body: { candidate: 2, steps: [10, 100], intervalMs: 60000, guards: ['error_rate<=0.05@10'] },
    })
    await sample('GET', '/api/deployments', '/api/deployments')
    await sample('GET', dep, '/api/deployments/oip-ep')
    await sample('POST', `${dep}/pause`, '/api/deployments/oip-ep/pause', { body: {} })
    await sample('POST', `${dep}/resume`, '/api/deployments/oip-ep/resume', { body: { reason: 'go on' } })
    await sample('POST', `${dep}/promote`, '/api/deployments/oip-ep/promote', { body: {} })
    await sample('POST', `${dep}/rollback`, '/api/deployments/oip-ep/rollback', { body: {} })
    await sample('POST', dep, '/api/deployments/oip-ep', { body: { candidate: 2, strategy: 'shadow' } })
    await sample('POST', `${dep}/abort`, '/api/deployments/oip-ep/abort', { body: {} })
    await sample('POST', `${dep}/abort`, '/api/deployments/oip-ep/abort', { body: {}, status: 412 })
    await sample('GET', `${dep}/history`, '/api/deployments/oip-ep/history')

    // Pipelines (reads).
    const piped = (await (await strata.pipelines()).run('two-steps')).run
    await sample('GET', '/api/pipelines', '/api/pipelines')
    await sample(
      'GET',
      '/api/pipeline-runs',
      "/api/pipeline-runs?filter=pipeline%20%3D%20'two-steps'&maxResults=5",
    )
    await sample('GET', '/api/pipeline-runs/{id}', `/api/pipeline-runs/${piped.runId}`)
    expect(
      await sample('GET', '/api/pipeline-runs/{id}/logs', `/api/pipeline-runs/${piped.runId}/logs?step=a`),
    ).toEqual({ logs: [{ step: 'a', attempt: 1, lines: ['hello'] }] })
    await sample('GET', '/api/pipeline-runs/{id}', '/api/pipeline-runs/nope', { status: 404 })
    const mappedRun = (await (await strata.pipelines()).run('mapped')).run
    expect(
      await sample(
        'GET',
        '/api/pipeline-runs/{id}/steps/{step}/elements',
        `/api/pipeline-runs/${mappedRun.runId}/steps/sq/elements?status=succeeded&offset=1&limit=2`,
      ),
    ).toMatchObject({
      elements: [
        { index: 1, key: '1', status: 'succeeded' },
        { index: 2, key: '2' },
      ],
    })
    const started = await (await strata.pipelines()).start('two-steps')
    expect(
      await sample('POST', '/api/pipeline-runs/{id}/cancel', `/api/pipeline-runs/${started.runId}/cancel`),
    ).toMatchObject({ run: { status: 'cancelled' } })

    // Monitors (reads): a reference profile from a dataset commit, one monitor, one window run.
    const data = await strata.data()
    const hour = 3_600_000
    const windowEnd = Math.floor(Date.now() / hour) * hour
    const scoredRows = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({ ts: windowEnd - hour + i * 1000, x: i % 10, carrier: i % 2 === 0 ? 'AA' : 'DL' }),
    )
    await data.createDataset('scored')
    await data.commit('scored', {
      message: 'scored rows',
      changes: [{ path: 's.jsonl', bytes: new TextEncoder().encode(`${scoredRows.join('\n')}\n`) }],
    })
    const monitoring = await strata.monitoring()
    await monitoring.references.compute('oip', 1, {
      kind: 'dataset',
      dataset: 'scored',
      ref: 'main',
      path: 's.jsonl',
    })
    await monitoring.apply([
      monitor({
        name: 'scored-drift',
        model: 'oip',
        reference: 1,
        window: {
          every: '1h',
          source: { kind: 'dataset', dataset: 'scored', path: 's.jsonl', timeColumn: 'ts' },
        },
      }),
    ])
    await monitoring.run('scored-drift', { windowEnd })
    const monitors = await sample('GET', '/api/monitors', '/api/monitors')
    expect(monitors).toMatchObject({
      monitors: [{ name: 'scored-drift', latest: { status: 'ok', rows: 200 } }],
    })
    await sample('GET', '/api/monitors/{name}/history', '/api/monitors/scored-drift/history?limit=5')
    const report = await sample('GET', '/api/monitors/{name}/report', '/api/monitors/scored-drift/report')
    expect(report).toMatchObject({ drift: { datasetDrift: false } })
    await sample('GET', '/api/monitors/{name}/report', '/api/monitors/nope/report', { status: 404 })
    await sample('GET', '/api/monitors/{name}/history', '/api/monitors/nope/history', { status: 404 })

    // Versioned data (reads).
    await data.createDataset('trips')
    const enc = new TextEncoder()
    const c1 = await data.commit('trips', {
      message: 'one',
      changes: [{ path: 't.csv', bytes: enc.encode('id,v\n1,a\n') }],
    })
    await data.commit('trips', {
      message: 'two',
      changes: [{ path: 't.csv', bytes: enc.encode('id,v\n1,b\n2,c\n') }],
    })
    await sample('GET', '/api/datasets', '/api/datasets')
    await sample('GET', '/api/datasets/{name}', '/api/datasets/trips')
    await sample('GET', '/api/datasets/{name}', '/api/datasets/nope', { status: 404 })
    await sample('GET', '/api/datasets/{name}/log', '/api/datasets/trips/log?maxResults=5')
    await sample('GET', '/api/datasets/{name}/refs/{ref}/files', '/api/datasets/trips/refs/main/files')
    const preview = await sample(
      'GET',
      '/api/datasets/{name}/refs/{ref}/preview',
      '/api/datasets/trips/refs/main/preview?path=t.csv&limit=1',
    )
    expect(preview).toMatchObject({
      columns: [{ name: 'id' }, { name: 'v' }],
      rows: [[1, 'b']],
      totalRows: 2,
    })
    await sample('GET', '/api/datasets/{name}/diff', `/api/datasets/trips/diff?from=${c1.id}&to=main&key=id`)
    await sample('GET', '/api/commits/{id}', `/api/commits/${c1.id}`)
    await sample('GET', '/api/commits/{id}', '/api/commits/abc', { status: 404 })

    await sample('DELETE', '/api/experiments/{id}', `/api/experiments/${id}`)
    await sample('POST', '/api/experiments/{id}/restore', `/api/experiments/${id}/restore`)

    // Every route of the document has a sample that succeeded (the event stream has its own test).
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    )
    const missing = documented.filter((r) => !exercised.has(r) && r !== 'GET /api/events')
    expect(missing).toEqual([])
  })
})
