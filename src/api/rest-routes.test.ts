import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { injectFetch } from '../../test/support/inject-fetch.js'
import { openStrata, type Strata } from '../platform/index.js'
import { linearRegressorToOnnx } from '../registry/index.js'
import { createServerApp } from './server-app.js'

let dir: string
let strata: Strata
let app: { fetch(request: Request): Promise<Response> }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-rest-'))
  strata = await openStrata({ cwd: dir, config: { blobs: 'memory:' }, env: {} })
  app = { fetch: injectFetch(await createServerApp(strata, { version: '0.0.0' })) }
})
afterAll(async () => {
  await strata.close()
  rmSync(dir, { recursive: true, force: true })
})

type Json = Record<string, unknown> & { items?: Json[] }

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json', ...headers } }
  if (body !== undefined)
    init.body = body instanceof Uint8Array || typeof body === 'string' ? body : JSON.stringify(body)
  const res = await app.fetch(new Request(`http://local/api${path}`, init))
  const text = await res.text()
  const isJson = res.headers.get('content-type')?.startsWith('application/json') === true
  return { status: res.status, json: (isJson && text !== '' ? JSON.parse(text) : {}) as Json, text }
}

describe('Strata REST: tracking (/api/experiments, /api/runs)', () => {
  it('creates an experiment, runs a nested run, logs a batch and reads it back', async () => {
    const exp = await call('POST', '/experiments', { name: 'flights', tags: { team: 'ml' } })
    expect(exp.status).toBe(201)
    expect(exp.json).toMatchObject({ name: 'flights', tags: { team: 'ml' }, lifecycleStage: 'active' })
    expect((await call('POST', '/experiments', { name: 'flights' })).json).toMatchObject({
      error: { code: 'ALREADY_EXISTS' },
    })
    expect((await call('GET', '/experiments/by-name/flights')).json.experimentId).toBe(exp.json.experimentId)

    const parent = await call('POST', '/runs', { experiment: 'flights', name: 'parent' })
    expect(parent.status).toBe(201)
    const parentId = (parent.json.info as Json).runId as string
    const child = await call('POST', '/runs', { experiment: 'flights', name: 'child', parentRunId: parentId })
    const childId = (child.json.info as Json).runId as string
    expect((child.json.data as Json).tags).toMatchObject({ 'mlflow.parentRunId': parentId })

    const logged = await call('POST', `/runs/${parentId}/log`, {
      params: { lr: 0.1, deep: true },
      metrics: [
        { key: 'loss', value: 0.5, step: 0 },
        { key: 'loss', value: 0.25, step: 1 },
        { key: 'odd', value: 'NaN', step: 0 },
      ],
      tags: { stage: 'dev' },
    })
    expect(logged.status).toBe(200)
    expect((await call('POST', `/runs/${parentId}/log`, { params: { lr: 0.2 } })).status).toBe(400)

    const run = (await call('GET', `/runs/${parentId}`)).json
    expect((run.data as Json).params).toEqual({ lr: '0.1', deep: 'true' })
    expect(((run.data as Json).metrics as Json).loss).toMatchObject({ value: 0.25, step: 1 })
    const history = await call('GET', `/runs/${parentId}/metrics/loss?maxResults=1`)
    expect(history.json.items?.map((m) => m.value)).toEqual([0.5])
    expect(typeof history.json.nextPageToken).toBe('string')

    const ended = await call('POST', `/runs/${parentId}/end`, { status: 'FINISHED' })
    expect(ended.json).toMatchObject({ status: 'FINISHED' })
    await call('POST', `/runs/${childId}/end`, {})

    const search = await call('POST', '/runs/search', {
      experimentIds: [exp.json.experimentId],
      filter: "params.lr = '0.1'",
    })
    expect(search.json.items?.map((r) => (r.info as Json).runId)).toEqual([parentId])
    const listed = await call(
      'GET',
      `/runs?experimentId=${exp.json.experimentId}&orderBy=attributes.run_name`,
    )
    expect(listed.json.items?.map((r) => (r.info as Json).runName)).toEqual(['child', 'parent'])

    const compare = await call('GET', `/runs/${parentId}/compare?with=${childId}`)
    expect(compare.json.params).toEqual({ lr: { [parentId]: '0.1' }, deep: { [parentId]: 'true' } })
  })

  it('streams run artifacts in and out and lists them', async () => {
    const run = await call('POST', '/runs', { name: 'artifacts' })
    const id = (run.json.info as Json).runId as string
    expect((await call('PUT', `/runs/${id}/artifacts/plots/roc.svg`, '<svg/>')).status).toBe(200)
    expect((await call('GET', `/runs/${id}/artifacts`)).json).toEqual([{ path: 'plots', isDir: true }])
    const file = await call('GET', `/runs/${id}/artifacts/plots/roc.svg`)
    expect([file.status, file.text]).toEqual([200, '<svg/>'])
    expect((await call('GET', `/runs/${id}/artifacts/nope.txt`)).status).toBe(404)
  })

  it('rejects malformed bodies with 400 INVALID_ARGUMENT naming the field', async () => {
    const bad = await call('POST', '/runs', { experiment: 5 })
    expect(bad.status).toBe(400)
    expect(bad.json).toMatchObject({
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('experiment') },
    })
    expect((await call('POST', '/experiments', { name: 'x', extra: 1 })).status).toBe(400)
    expect((await call('GET', '/runs/0123/metrics/loss?maxResults=abc')).status).toBe(400)
  })
})

describe('Strata REST: registry (/api/models)', () => {
  it('registers an ONNX version from raw bytes, reads its signature and file, and moves aliases', async () => {
    const onnx = linearRegressorToOnnx({ coefficients: [[1, 2, 3]], intercepts: [0.5] })
    const v1 = await call('POST', '/models/delay/versions?description=first', onnx, {
      'content-type': 'application/octet-stream',
    })
    expect(v1.status).toBe(201)
    expect(v1.json).toMatchObject({
      name: 'delay',
      version: 1,
      flavor: 'onnx',
      status: 'READY',
      description: 'first',
    })
    expect(v1.json.signature).toBeTruthy()

    const file = await app.fetch(new Request('http://local/api/models/delay/versions/1/files/model.onnx'))
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(new Uint8Array(onnx))

    const v2 = await call('POST', '/models/delay/versions', {
      flavor: 'external',
      source: 's3://bucket/model',
    })
    expect(v2.json).toMatchObject({ version: 2, flavor: 'external', status: 'READY' })

    expect((await call('PUT', '/models/delay/aliases/champion', { version: 1 })).status).toBe(200)
    expect(
      (await call('PUT', '/models/delay/aliases/champion', { version: 2, reason: 'better' })).status,
    ).toBe(200)
    expect((await call('GET', '/models/delay/aliases/champion')).json.version).toBe(2)
    const history = await call('GET', '/models/delay/aliases?alias=champion')
    expect((history.json as unknown as Json[]).map((e) => [e.fromVersion, e.toVersion, e.reason])).toEqual([
      [null, 1, null],
      [1, 2, 'better'],
    ])
    expect((await call('GET', '/models/delay')).json).toMatchObject({
      aliases: { champion: 2 },
      latestVersion: 2,
    })
    expect(
      (await call('GET', '/models?filter=name%20LIKE%20%27del%25%27')).json.items?.map((m) => m.name),
    ).toEqual(['delay'])
  })

  it('refuses an ONNX body that does not load with 400, and unknown models with 404', async () => {
    const broken = await call('POST', '/models/broken/versions', new Uint8Array([1, 2, 3]), {
      'content-type': 'application/octet-stream',
    })
    expect(broken.status).toBe(400)
    expect(broken.json).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } })
    expect((await call('GET', '/models/missing')).status).toBe(404)
    expect((await call('GET', '/models/delay/versions/x')).status).toBe(400)
  })
})

describe('Strata REST: the principal of each request', () => {
  it("records the resolver's principal as run user and registry actor, and the project's default without one", async () => {
    const byHeader = {
      fetch: injectFetch(
        await createServerApp(strata, {
          version: '0.0.0',
          principal: (request) => {
            const user = request.headers['x-user']
            return typeof user !== 'string' ? strata.principal : { id: user }
          },
        }),
      ),
    }
    const send = async (method: string, path: string, body: unknown, user?: string) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (user !== undefined) headers['x-user'] = user
      const res = await byHeader.fetch(
        new Request(`http://local/api${path}`, { method, headers, body: JSON.stringify(body) }),
      )
      return { status: res.status, json: (await res.json()) as Json }
    }
    const post = async (path: string, body: unknown, user?: string) =>
      (await send('POST', path, body, user)).json
    expect((await post('/models', { name: 'by-ada' }, 'ada')).createdBy).toBe('ada')
    expect((await post('/models', { name: 'by-default' })).createdBy).toBe(strata.principal.id)
    const run = await post('/runs', { experiment: 'principals', name: 'r' }, 'bob')
    expect((run.info as Json).userId).toBe('bob')
    // The default server app acts as the project's principal.
    expect((await call('POST', '/models', { name: 'by-server' })).json.createdBy).toBe(strata.principal.id)

    // MLflow runs/create without user_id (absent or empty): the request's principal, as mlflow server records it.
    const mlflowRun = async (body: Json) =>
      (((await post('/2.0/mlflow/runs/create', body, 'carol')).run as Json).info as Json).user_id
    expect(await mlflowRun({ experiment_id: '0' })).toBe('carol')
    expect(await mlflowRun({ experiment_id: '0', user_id: '' })).toBe('carol')
    expect(await mlflowRun({ experiment_id: '0', user_id: 'dave' })).toBe('dave')

    // An alias move is the request principal's; the body cannot name another actor.
    await post('/models/by-ada/versions', { flavor: 'external', source: 's3://bucket/m' }, 'ada')
    const moved = await send('PUT', '/models/by-ada/aliases/live', { version: 1 }, 'erin')
    expect([moved.status, (moved.json.event as Json).actor]).toEqual([200, 'erin'])
    const spoofed = await send('PUT', '/models/by-ada/aliases/live', { version: 1, actor: 'mallory' }, 'erin')
    expect([spoofed.status, (spoofed.json.error as Json).code]).toEqual([400, 'INVALID_ARGUMENT'])
  })
})
