import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { injectFetch } from '../../../test/support/inject-fetch.js'
import { openStrata, type Strata } from '../../platform/index.js'
import { linearRegressorToOnnx } from '../../registry/index.js'
import { createServerApp } from '../server-app.js'

let dir: string
let strata: Strata
let app: { fetch(request: Request): Promise<Response> }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-mlflow-api-'))
  strata = await openStrata({ cwd: dir, config: { blobs: 'memory:' }, env: {} })
  app = { fetch: injectFetch(await createServerApp(strata, { version: '9.9.9' })) }
})
afterAll(async () => {
  await strata.close()
  rmSync(dir, { recursive: true, force: true })
})

const base = 'http://local/api/2.0/mlflow'
type Body = Record<string, unknown>

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Body }> {
  const url = path.startsWith('/') ? `http://local${path}` : `${base}/${path}`
  const init: RequestInit = { method, headers: { 'content-type': 'application/json' } }
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body)
  const res = await app.fetch(new Request(url, init))
  const text = await res.text()
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Body) }
}
const post = (path: string, body: unknown) => call('POST', path, body)
const get = (path: string) => call('GET', path)

async function newRun(): Promise<string> {
  const { json } = await post('runs/create', { experiment_id: '0', start_time: 1 })
  return ((json.run as Body).info as Body).run_id as string
}

describe('MLflow REST (in-process): wire format and error codes', () => {
  it('serves the default experiment "0" and MLflow error bodies with MLflow statuses', async () => {
    const exp = await get('experiments/get?experiment_id=0')
    expect(exp.status).toBe(200)
    expect(exp.json.experiment).toMatchObject({
      experiment_id: '0',
      name: 'Default',
      lifecycle_stage: 'active',
    })

    const missing = await get('experiments/get-by-name?experiment_name=nope')
    expect(missing).toEqual({
      status: 404,
      json: {
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: expect.stringContaining('nope'),
        sqlstate: 'KAM00',
        error_class: 'RESOURCE_NOT_FOUND',
      },
    })
    expect((await post('experiments/create', { name: 'dup' })).status).toBe(200)
    expect(await post('experiments/create', { name: 'dup' })).toMatchObject({
      status: 400,
      json: { error_code: 'RESOURCE_ALREADY_EXISTS' },
    })
  })

  it('answers unknown endpoints with ENDPOINT_NOT_FOUND (404, or 405 for a wrong method)', async () => {
    expect(await get('no/such/rpc')).toMatchObject({
      status: 404,
      json: { error_code: 'ENDPOINT_NOT_FOUND' },
    })
    expect(await call('DELETE', 'runs/get')).toMatchObject({
      status: 405,
      json: { error_code: 'ENDPOINT_NOT_FOUND' },
    })
    // A handler's own NOT_FOUND stays RESOURCE_DOES_NOT_EXIST.
    expect(await get(`runs/get?run_id=${'0'.repeat(32)}`)).toMatchObject({
      status: 404,
      json: { error_code: 'RESOURCE_DOES_NOT_EXIST' },
    })
  })

  it('refuses a changed param with INVALID_PARAMETER_VALUE and accepts the same value again', async () => {
    const runId = await newRun()
    expect((await post('runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' })).status).toBe(200)
    expect((await post('runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' })).status).toBe(200)
    expect(await post('runs/log-parameter', { run_id: runId, key: 'lr', value: '0.2' })).toMatchObject({
      status: 400,
      json: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('lr') },
    })
  })

  it('reads GET messages from the query string (numbers as strings, repeated keys) and pages history', async () => {
    const runId = await newRun()
    const metrics = [0, 1, 2, 3, 4].map((step) => ({
      key: 'loss',
      value: 1 / (step + 1),
      timestamp: 10 + step,
      step,
    }))
    expect((await post('runs/log-batch', { run_id: runId, metrics })).status).toBe(200)
    const first = await get(`metrics/get-history?run_uuid=${runId}&metric_key=loss&max_results=2`)
    expect(first.status).toBe(200)
    expect((first.json.metrics as Body[]).map((m) => m.step)).toEqual([0, 1])
    expect(typeof first.json.next_page_token).toBe('string')
    const token = encodeURIComponent(first.json.next_page_token as string)
    const second = await get(
      `metrics/get-history?run_id=${runId}&metric_key=loss&max_results=2&page_token=${token}`,
    )
    expect((second.json.metrics as Body[]).map((m) => m.step)).toEqual([2, 3])
    expect(await get(`metrics/get-history?run_id=${runId}&metric_key=loss&max_results=two`)).toMatchObject({
      status: 400,
      json: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('max_results') },
    })
  })

  it('writes non-finite metric values as proto JSON strings and reads them back', async () => {
    const runId = await newRun()
    const metrics = [
      { key: 'nan', value: 'NaN', timestamp: 1, step: 0 },
      { key: 'inf', value: 'Infinity', timestamp: 1, step: 0 },
      { key: 'ninf', value: '-Infinity', timestamp: 1, step: 0 },
    ]
    expect((await post('runs/log-batch', { run_id: runId, metrics })).status).toBe(200)
    const run = await get(`runs/get?run_id=${runId}`)
    const values = Object.fromEntries(
      (((run.json.run as Body).data as Body).metrics as Body[]).map((m) => [m.key, m.value]),
    )
    expect(values).toEqual({ nan: 'NaN', inf: 'Infinity', ninf: '-Infinity' })
  })

  it('accepts a body that is a JSON string holding the message (old clients)', async () => {
    const res = await post('experiments/create', JSON.stringify(JSON.stringify({ name: 'stringly' })))
    expect(res.status).toBe(200)
    expect(typeof res.json.experiment_id).toBe('string')
  })

  it('requires the timestamp of log-metric and a numeric value, as MLflow does', async () => {
    const runId = await newRun()
    expect(await post('runs/log-metric', { run_id: runId, key: 'a', value: 1 })).toMatchObject({
      status: 400,
      json: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('timestamp') },
    })
    expect(
      await post('runs/log-metric', { run_id: runId, key: 'a', value: true, timestamp: 1 }),
    ).toMatchObject({
      status: 400,
      json: { error_code: 'INVALID_PARAMETER_VALUE' },
    })
  })

  it("requires each log-batch metric's timestamp, naming it by its place in the batch as MLflow does", async () => {
    const runId = await newRun()
    const res = await post('runs/log-batch', {
      run_id: runId,
      metrics: [
        { key: 'a', value: 1, timestamp: 1 },
        { key: 'b', value: 2 },
      ],
    })
    expect(res).toMatchObject({
      status: 400,
      json: {
        error_code: 'INVALID_PARAMETER_VALUE',
        message:
          "Missing value for required parameter 'metrics[1].timestamp'. See the API docs for more information about request parameters.",
      },
    })
    const typed = await post('runs/log-batch', {
      run_id: runId,
      metrics: [{ key: 'a', value: 'x', timestamp: 1 }],
    })
    expect(typed.json.message).toContain('Invalid value "x" for parameter \'metrics[0].value\' supplied')
    expect(typed.json.message).toContain("Value was of type 'str'")
  })

  it("checks fields in the order of MLflow's request schema, so the first wrong one is named", async () => {
    const runId = await newRun()
    for (const path of ['runs/log-parameter', 'runs/set-tag']) {
      const wrongRun = await post(path, { run_id: 31, key: 'k', value: 41 })
      expect(wrongRun.json.message).toContain("Invalid value 31 for parameter 'run_id' supplied")
      const wrongKey = await post(path, { run_id: runId, key: 31, value: 41 })
      expect(wrongKey.json.message).toContain("Invalid value 31 for parameter 'key' supplied")
      const wrongValue = await post(path, { run_id: runId, key: 'k', value: 41 })
      expect(wrongValue.json.message).toContain("Invalid value 41 for parameter 'value' supplied")
    }
    // An empty required string is missing, as MLflow's _assert_required has it.
    expect((await post('runs/set-tag', { run_id: runId, key: '', value: 'v' })).json.message).toContain(
      "Missing value for required parameter 'key'",
    )
  })

  it("refuses bad get-history-bulk-interval requests in MLflow's words", async () => {
    const url = '/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval'
    const cases: [string, string][] = [
      ['metric_key=key', "Missing value for required parameter 'run_ids'."],
      [
        `${Array.from({ length: 101 }, (_, i) => `run_ids=r${i}`).join('&')}&metric_key=key`,
        'GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received 101 run_ids.',
      ],
      ['run_ids=123&metric_key=', "Missing value for required parameter 'metric_key'"],
      ['run_ids=123&max_results=5', "Missing value for required parameter 'metric_key'"],
      ['run_ids=123&metric_key=key&max_results=0', 'max_results must be between 1 and 2500'],
      [
        'run_ids=123&metric_key=key&start_step=1&max_results=5',
        'If either start step or end step are specified',
      ],
    ]
    for (const [query, message] of cases) {
      const res = await get(`${url}?${query}`)
      expect(res.status, query).toBe(400)
      expect(res.json.error_code, query).toBe('INVALID_PARAMETER_VALUE')
      expect(res.json.message, query).toContain(message)
    }
  })

  it("words a missing run tag as MLflow's server does", async () => {
    const runId = await newRun()
    expect(await post('runs/delete-tag', { run_id: runId, key: 'nope' })).toMatchObject({
      status: 404,
      json: {
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: `No tag with name: nope in run with id ${runId}`,
      },
    })
  })

  it('refuses an artifacts/list path that escapes the run, before looking the run up', async () => {
    const runId = await newRun()
    for (const path of ['../x', '%2E%2E%2Fx', '/etc']) {
      expect(await get(`artifacts/list?run_id=${runId}&path=${path}`)).toMatchObject({
        status: 400,
        json: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' },
      })
    }
  })

  it('mirrors the API under /ajax-api and serves /health, /version and server-info', async () => {
    expect((await get('/ajax-api/2.0/mlflow/experiments/get?experiment_id=0')).status).toBe(200)
    const health = await app.fetch(new Request('http://local/health'))
    expect([health.status, await health.text()]).toEqual([200, 'OK'])
    const version = await app.fetch(new Request('http://local/version'))
    expect(await version.text()).toBe('9.9.9')
    expect((await get('/api/3.0/mlflow/server-info')).json).toEqual({
      multipart_uploads_enabled: false,
      multipart_downloads_enabled: false,
    })
  })
})

describe('MLflow artifact proxy (in-process)', () => {
  const art = 'http://local/api/2.0/mlflow-artifacts/artifacts'

  it('stores a PUT body, lists basenames with is_dir, streams it back and deletes it', async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => i % 251)
    const put = await app.fetch(new Request(`${art}/0/abc/dir/sub/data.bin`, { method: 'PUT', body: bytes }))
    expect([put.status, await put.json()]).toEqual([200, {}])
    await app.fetch(new Request(`${art}/0/abc/dir/readme.txt`, { method: 'PUT', body: 'hi' }))

    const listing = await get('/api/2.0/mlflow-artifacts/artifacts?path=0/abc/dir')
    expect(listing.json).toEqual({
      files: [
        { path: 'readme.txt', is_dir: false, file_size: 2 },
        { path: 'sub', is_dir: true },
      ],
    })
    expect((await get('/api/2.0/mlflow-artifacts/artifacts?path=0/empty')).json).toEqual({})

    const res = await app.fetch(new Request(`${art}/0/abc/dir/sub/data.bin`))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe('300000')
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes)

    const del = await app.fetch(new Request(`${art}/0/abc/dir`, { method: 'DELETE' }))
    expect(del.status).toBe(200)
    expect((await get('/api/2.0/mlflow-artifacts/artifacts/0/abc/dir/readme.txt')).json).toMatchObject({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
    })
  })

  it('serves the files of Strata-registered versions read-only under _strata-models/', async () => {
    const onnx = linearRegressorToOnnx({ coefficients: [[1, 2]], intercepts: [0] })
    const registry = await strata.registry()
    const v = await registry.registerVersion('native model', { onnx, createModel: true })
    const uri = await get('model-versions/get-download-uri?name=native%20model&version=1')
    expect(uri.json).toEqual({ artifact_uri: `mlflow-artifacts:/_strata-models/native%20model/${v.version}` })

    const stored = await registry.readFile('native model', v.version, 'model.onnx')
    const listing = await get('/api/2.0/mlflow-artifacts/artifacts?path=_strata-models/native%20model/1')
    expect(listing.json).toEqual({
      files: [
        { path: 'MLmodel', is_dir: false, file_size: expect.any(Number) },
        { path: 'model.onnx', is_dir: false, file_size: stored.length },
      ],
    })
    const file = await app.fetch(new Request(`${art}/_strata-models/native%20model/1/model.onnx`))
    expect(file.status).toBe(200)
    expect(Buffer.from(await file.arrayBuffer())).toEqual(Buffer.from(stored))

    const put = await app.fetch(
      new Request(`${art}/_strata-models/native%20model/1/model.onnx`, { method: 'PUT', body: 'x' }),
    )
    expect([put.status, ((await put.json()) as Body).error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE'])
    expect((await get('/api/2.0/mlflow-artifacts/artifacts/_strata-models/native%20model/9/x')).status).toBe(
      404,
    )
  })

  it('refuses paths that escape the artifact root with INVALID_PARAMETER_VALUE', async () => {
    const res = await app.fetch(new Request(`${art}/0/a%2F..%2F..%2Fsecret`, { method: 'PUT', body: 'x' }))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' })
  })
})

describe('MLflow REST: client mistakes never get a 5xx (the client retries those for minutes)', () => {
  const endpoints = [
    ['POST', 'experiments/create'],
    ['POST', 'experiments/search'],
    ['POST', 'experiments/update'],
    ['POST', 'experiments/set-experiment-tag'],
    ['POST', 'runs/create'],
    ['POST', 'runs/update'],
    ['POST', 'runs/log-metric'],
    ['POST', 'runs/log-parameter'],
    ['POST', 'runs/set-tag'],
    ['POST', 'runs/log-batch'],
    ['POST', 'runs/search'],
    ['POST', 'runs/log-inputs'],
    ['POST', 'runs/outputs'],
    ['POST', 'runs/log-model'],
    ['POST', 'logged-models'],
    ['POST', 'logged-models/search'],
  ] as const
  const field = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('0', '', 'NaN', '-1', 'a'.repeat(300), '../x', 'ACTIVE_ONLY', 'FINISHED'),
  )
  const body = fc.dictionary(
    fc.constantFrom(
      'experiment_id',
      'experiment_ids',
      'name',
      'new_name',
      'run_id',
      'key',
      'value',
      'timestamp',
      'step',
      'metrics',
      'params',
      'tags',
      'filter',
      'order_by',
      'max_results',
      'page_token',
      'status',
      'end_time',
      'datasets',
      'models',
      'model_json',
      'run_view_type',
    ),
    field,
  )

  it('answers random malformed messages with 200 or 4xx, always in the MLflow error shape', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...endpoints), body, async ([method, path], message) => {
        const res = await call(method, path, message)
        expect(res.status, JSON.stringify({ path, message, res })).toBeLessThan(500)
        if (res.status !== 200) expect(typeof res.json.error_code).toBe('string')
      }),
      { numRuns: 300 },
    )
  })

  it('answers bodies that are not JSON objects with 400', async () => {
    for (const raw of ['{not json', '[1,2]', '42', 'null', '"unterminated']) {
      const res = await post('runs/create', raw)
      expect(res.status, raw).toBe(400)
      expect(res.json.error_code).toBe('INVALID_PARAMETER_VALUE')
    }
  })
})

describe('MLflow registry RPCs (in-process)', () => {
  it('registers a logged model as a READY version that inherits the source run and resolves its download URI', async () => {
    const runId = await newRun()
    const created = await post('logged-models', { experiment_id: '0', name: 'model', source_run_id: runId })
    const info = (created.json.model as Body).info as Body
    expect(info).toMatchObject({ status: 'LOGGED_MODEL_PENDING', source_run_id: runId })
    const modelId = info.model_id as string
    expect(modelId).toMatch(/^m-[0-9a-f]{32}$/)
    expect((await call('PATCH', `logged-models/${modelId}`, { status: 'LOGGED_MODEL_READY' })).status).toBe(
      200,
    )

    expect((await post('registered-models/create', { name: 'reg-a' })).status).toBe(200)
    const mv = await post('model-versions/create', {
      name: 'reg-a',
      source: `models:/${modelId}`,
      model_id: modelId,
    })
    expect(mv.json.model_version).toMatchObject({
      name: 'reg-a',
      version: '1',
      status: 'READY',
      current_stage: 'None',
      run_id: runId,
      model_id: modelId,
    })
    const uri = await get('model-versions/get-download-uri?name=reg-a&version=1')
    expect(uri.json).toEqual({ artifact_uri: info.artifact_uri })
    expect(String(info.artifact_uri)).toMatch(new RegExp(`^mlflow-artifacts:/0/models/${modelId}/artifacts$`))
  })

  it('gives runs:/ sources as their download URI and serves latest versions and aliases', async () => {
    const runId = await newRun()
    await post('registered-models/create', { name: 'reg-b' })
    await post('model-versions/create', { name: 'reg-b', source: `runs:/${runId}/model`, run_id: runId })
    await post('model-versions/create', {
      name: 'reg-b',
      source: `mlflow-artifacts:/0/${runId}/elsewhere`,
      run_id: runId,
    })
    // As MLflow's server: a runs:/ source is its own download URI (the client resolves it).
    expect((await get('model-versions/get-download-uri?name=reg-b&version=1')).json.artifact_uri).toBe(
      `runs:/${runId}/model`,
    )
    const latest = await post('registered-models/get-latest-versions', { name: 'reg-b', stages: ['None'] })
    expect((latest.json.model_versions as Body[]).map((v) => v.version)).toEqual(['2'])
    const production = await post('registered-models/get-latest-versions', {
      name: 'reg-b',
      stages: ['Production'],
    })
    expect(production.json.model_versions).toEqual([])

    expect(
      (await post('registered-models/alias', { name: 'reg-b', alias: 'champion', version: '1' })).status,
    ).toBe(200)
    expect((await get('registered-models/alias?name=reg-b&alias=champion')).json.model_version).toMatchObject(
      {
        version: '1',
        aliases: ['champion'],
      },
    )
    expect((await get('registered-models/get?name=reg-b')).json.registered_model).toMatchObject({
      aliases: [{ alias: 'champion', version: '1' }],
      latest_versions: [{ version: '2' }],
    })
    expect(
      (await call('DELETE', 'registered-models/alias', { name: 'reg-b', alias: 'champion' })).status,
    ).toBe(200)
    // As MLflow's server: a missing alias is INVALID_PARAMETER_VALUE, deleting it again a no-op,
    // and a missing model RESOURCE_DOES_NOT_EXIST.
    expect(await get('registered-models/alias?name=reg-b&alias=champion')).toMatchObject({
      status: 400,
      json: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Registered model alias champion not found.' },
    })
    expect(
      (await call('DELETE', 'registered-models/alias', { name: 'reg-b', alias: 'champion' })).status,
    ).toBe(200)
    expect(await get('registered-models/alias?name=nobody&alias=champion')).toMatchObject({
      status: 404,
      json: { error_code: 'RESOURCE_DOES_NOT_EXIST' },
    })
  })

  it('transitions stages (archiving the previous holder), answers latest per stage, and renames carrying everything', async () => {
    await post('registered-models/create', { name: 'staged', tags: [{ key: 'team', value: 'a' }] })
    for (let i = 0; i < 3; i++) await post('model-versions/create', { name: 'staged', source: `s3://b/${i}` })
    const to = (version: string, stage: string, archive = false) =>
      post('model-versions/transition-stage', {
        name: 'staged',
        version,
        stage,
        archive_existing_versions: archive,
      })
    expect((await to('1', 'production')).json.model_version).toMatchObject({ current_stage: 'Production' })
    await to('2', 'Staging')
    expect((await to('3', 'Production', true)).json.model_version).toMatchObject({
      current_stage: 'Production',
    })
    expect((await get('model-versions/get?name=staged&version=1')).json.model_version).toMatchObject({
      current_stage: 'Archived',
    })
    const latest = await post('registered-models/get-latest-versions', { name: 'staged' })
    expect((latest.json.model_versions as Body[]).map((v) => [v.version, v.current_stage])).toEqual([
      ['1', 'Archived'],
      ['2', 'Staging'],
      ['3', 'Production'],
    ])
    const prod = await post('registered-models/get-latest-versions', {
      name: 'staged',
      stages: ['PRODUCTION'],
    })
    expect((prod.json.model_versions as Body[]).map((v) => v.version)).toEqual(['3'])

    await post('registered-models/alias', { name: 'staged', alias: 'champion', version: '3' })
    await post('model-versions/set-tag', { name: 'staged', version: '2', key: 'k', value: 'v' })
    const renamed = await post('registered-models/rename', { name: 'staged', new_name: 'staged-2' })
    expect(renamed.status).toBe(200)
    expect(renamed.json.registered_model).toMatchObject({
      name: 'staged-2',
      tags: [{ key: 'team', value: 'a' }],
      aliases: [{ alias: 'champion', version: '3' }],
    })
    expect((await get('model-versions/get?name=staged-2&version=2')).json.model_version).toMatchObject({
      name: 'staged-2',
      current_stage: 'Staging',
      tags: [{ key: 'k', value: 'v' }],
    })
    expect(
      (await get('registered-models/alias?name=staged-2&alias=champion')).json.model_version,
    ).toMatchObject({
      version: '3',
    })
    expect((await get('registered-models/get?name=staged')).json).toMatchObject({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
    })
    await post('registered-models/create', { name: 'taken' })
    expect(await post('registered-models/rename', { name: 'staged-2', new_name: 'taken' })).toMatchObject({
      status: 400,
      json: { error_code: 'RESOURCE_ALREADY_EXISTS' },
    })
  })

  it("orders search_model_versions as MLflow's server: most recently updated first, then name, newest version", async () => {
    // Each write lands at a later millisecond, so the order by update time is known.
    const tick = async () => {
      const start = Date.now()
      while (Date.now() === start) await new Promise((resolve) => setTimeout(resolve, 1))
    }
    await post('registered-models/create', { name: 'order-a' })
    await post('registered-models/create', { name: 'order-b' })
    for (const name of ['order-a', 'order-a', 'order-b']) {
      await post('model-versions/create', { name, source: 's3://b/x' })
      await tick()
    }
    await call('PATCH', 'model-versions/update', { name: 'order-a', version: '1', description: 'touched' })
    const filter = encodeURIComponent("name LIKE 'order-%'")
    const ids = (json: Body) => (json.model_versions as Body[]).map((v) => `${v.name}/${v.version}`)
    expect(ids((await get(`model-versions/search?filter=${filter}`)).json)).toEqual([
      'order-a/1',
      'order-b/1',
      'order-a/2',
    ])
    // With an order_by, only name ASC and version DESC break its ties.
    const byStatus = await get(`model-versions/search?filter=${filter}&order_by=status`)
    expect(ids(byStatus.json)).toEqual(['order-a/2', 'order-a/1', 'order-b/1'])
  })

  it('refuses a value of the wrong JSON type naming the parameter, as MLflow does', async () => {
    expect(await post('experiments/create', { name: 123 })).toMatchObject({
      status: 400,
      json: {
        error_code: 'INVALID_PARAMETER_VALUE',
        message:
          "Invalid value 123 for parameter 'name' supplied:  Hint: Value was of type 'int'. See the API docs for more information about request parameters.",
      },
    })
    expect((await get('experiments/get-by-name?experiment_name=123')).status).toBe(404)
    expect(await post('registered-models/create', { name: ['a'] })).toMatchObject({
      status: 400,
      json: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("parameter 'name'") },
    })
  })

  it("treats the client's `is_prompt != 'true'` clause as 'not a prompt', matching models without the tag", async () => {
    await post('registered-models/create', { name: 'plain-model' })
    await post('registered-models/create', {
      name: 'plain-prompt',
      tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }],
    })
    const filter = encodeURIComponent("name LIKE 'plain-%' AND tag.`mlflow.prompt.is_prompt` != 'true'")
    const found = await get(`registered-models/search?filter=${filter}&max_results=100`)
    expect((found.json.registered_models as Body[]).map((m) => m.name)).toEqual(['plain-model'])
  })

  it("words a taken registered model name as MLflow's server does", async () => {
    await post('registered-models/create', { name: 'taken-model' })
    expect(await post('registered-models/create', { name: 'taken-model' })).toMatchObject({
      status: 400,
      json: {
        error_code: 'RESOURCE_ALREADY_EXISTS',
        message: expect.stringMatching(/^Registered Model \(name=taken-model\) already exists/),
      },
    })
  })

  it('keeps a logged model whose source run is not here, and registers it with that run id', async () => {
    const created = await post('logged-models', { experiment_id: '0', source_run_id: '123' })
    expect(created.status).toBe(200)
    const model = created.json.model as { info: { model_id: string; source_run_id: string } }
    expect(model.info.source_run_id).toBe('123')
    await post('registered-models/create', { name: 'foreign-run-model' })
    const version = await post('model-versions/create', {
      name: 'foreign-run-model',
      source: `models:/${model.info.model_id}`,
      model_id: model.info.model_id,
    })
    expect(version).toMatchObject({ status: 200, json: { model_version: { run_id: '123' } } })
    expect(await post('model-versions/create', { name: 'foreign-run-model', source: '' })).toMatchObject({
      status: 400,
      json: { message: expect.stringContaining("Missing value for required parameter 'source'") },
    })
  })

  it('answers creating a version of a missing model with 404 and a bad stage with 400', async () => {
    expect(await post('model-versions/create', { name: 'nobody', source: 's3://bucket/x' })).toMatchObject({
      status: 404,
      json: { error_code: 'RESOURCE_DOES_NOT_EXIST' },
    })
    expect(await post('registered-models/create', { name: 'reg-b' })).toMatchObject({
      status: 400,
      json: { error_code: 'RESOURCE_ALREADY_EXISTS' },
    })
    const stage = { name: 'reg-b', version: '1', stage: 'Shipped', archive_existing_versions: false }
    expect(await post('model-versions/transition-stage', stage)).toMatchObject({
      status: 400,
      json: {
        error_code: 'INVALID_PARAMETER_VALUE',
        message:
          'Invalid Model Version stage: Shipped. Value must be one of None, Staging, Production, Archived.',
      },
    })
    expect(await get('model-versions/get?name=reg-b&version=one')).toMatchObject({
      status: 400,
      json: { error_code: 'INVALID_PARAMETER_VALUE' },
    })
  })
})

describe("MLflow model version source guard (MLflow's _validate_source_run / _validate_source_model)", () => {
  it('refuses local paths, traversal and sources outside the named run or logged model', async () => {
    const runId = await newRun()
    const other = await newRun()
    await post('registered-models/create', { name: 'guarded' })
    const refused = async (body: Body) => {
      const res = await post('model-versions/create', { name: 'guarded', ...body })
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.json.error_code).toBe('INVALID_PARAMETER_VALUE')
      return String(res.json.message)
    }
    for (const source of ['/tmp/model', 'file:///etc', 'model', 'C:\\models\\m']) {
      expect(await refused({ source })).toContain('To use a local path as a model version source, the run_id')
      expect(await refused({ source, run_id: runId })).toContain(`Invalid model version source: '${source}'`)
    }
    for (const source of [`runs:/${runId}/../../x`, 's3://b/m/../../x', 's3://b/m/%2E%2E/x']) {
      expect(await refused({ source, run_id: runId })).toContain('without relative path references present')
    }
    const wrong = 'request parameter must identify the resource that contains the source.'
    expect(await refused({ source: `runs:/${runId}/model`, run_id: other })).toContain(`The run_id ${wrong}`)
    expect(await refused({ source: `runs:/${runId}/model` })).toContain(`The run_id ${wrong}`)
    expect(await refused({ source: 'mlflow-artifacts:/0/x/model' })).toContain(`The run_id ${wrong}`)
    expect(await refused({ source: `mlflow-artifacts:/0/${other}/m`, run_id: runId })).toContain(wrong)
    expect(await refused({ source: 'mlflow-artifacts:/0/x', run_id: '0'.repeat(32) })).toContain(wrong)

    const created = await post('logged-models', { experiment_id: '0', source_run_id: runId })
    const modelId = ((created.json.model as Body).info as Body).model_id as string
    expect(await refused({ source: `models:/${modelId}`, model_id: `m-${'0'.repeat(32)}` })).toContain(
      `The model_id ${wrong}`,
    )
    expect(await refused({ source: `runs:/${runId}/m`, model_id: modelId })).toContain(
      `The model_id ${wrong}`,
    )

    // What MLflow accepts.
    for (const body of [
      { source: `runs:/${runId}/model`, run_id: runId },
      { source: `mlflow-artifacts:/0/${runId}/model`, run_id: runId },
      { source: 's3://bucket/model' },
      { source: `models:/${modelId}`, model_id: modelId },
    ]) {
      const res = await post('model-versions/create', { name: 'guarded', ...body })
      expect(res.status, `${JSON.stringify(body)}: ${JSON.stringify(res.json)}`).toBe(200)
    }
  })
})
