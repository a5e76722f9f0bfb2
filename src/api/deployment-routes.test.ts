import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { registerChallengers } from '../../test/support/delivery-models.js'
import { injectFetch } from '../../test/support/inject-fetch.js'
import { openStrata, type Strata } from '../platform/index.js'
import { routeAccess } from './route-scopes.js'
import { createServerApp } from './server-app.js'

let dir: string
let strata: Strata
let fetch: (request: Request) => Promise<Response>
let versions: Awaited<ReturnType<typeof registerChallengers>>

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-deploy-rest-'))
  strata = await openStrata({ cwd: dir, config: { blobs: 'memory:' }, env: {} })
  versions = await registerChallengers(await strata.registry())
  fetch = injectFetch(await createServerApp(strata, { version: '0.0.0' }))
}, 60_000)
afterAll(async () => {
  await strata.close()
  rmSync(dir, { recursive: true, force: true })
})

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read loosely in assertions
type Json = any

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json', ...headers } }
  if (body !== undefined) init.body = JSON.stringify(body)
  const res = await fetch(new Request(`http://local${path}`, init))
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    json: (text === '' ? {} : JSON.parse(text)) as Json,
  }
}

it('creates, controls and reads deployments over REST; inference answers name the version and revision', async () => {
  const bad = await call('POST', '/api/deployments/ab', {
    model: 'linear',
    candidate: versions.good,
    strategy: 'ab',
    split: { [versions.champion]: 70, [versions.good]: 20 },
    sticky: { header: 'x-user-id' },
  })
  expect(bad.status).toBe(400)
  expect(bad.json.error.message).toMatch(/sum to 90; they must sum to 100/)
  expect((await call('GET', '/api/deployments/ab')).status).toBe(404)

  const created = await call('POST', '/api/deployments/ab', {
    model: 'linear',
    candidate: versions.good,
    strategy: 'ab',
    split: { [versions.champion]: 50, [versions.good]: 50 },
    sticky: { header: 'x-user-id' },
    reason: 'A/B of the predictor',
  })
  expect(created.status).toBe(201)
  expect(created.json).toMatchObject({
    name: 'ab',
    revision: 1,
    reason: 'A/B of the predictor',
    policy: { strategy: 'ab', steps: [50] },
  })
  const controller = await strata.deliveryController()
  await controller.sync()

  const infer = (user: string) =>
    call(
      'POST',
      '/v2/models/ab/infer',
      { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] },
      { 'x-user-id': user },
    )
  const byUser = new Map<string, string>()
  for (let round = 0; round < 2; round++) {
    for (let u = 0; u < 12; u++) {
      const r = await infer(`u${u}`)
      expect(r.status).toBe(200)
      const version = r.headers.get('strata-model-version') as string
      expect(r.json.model_version).toBe(version)
      expect(r.headers.get('strata-deployment-revision')).toBe('1')
      if (round > 0) expect(version).toBe(byUser.get(`u${u}`))
      byUser.set(`u${u}`, version)
    }
  }
  expect(new Set(byUser.values()).size).toBe(2)

  expect((await call('POST', '/api/deployments/ab/pause', {})).json.policy.status).toBe('paused')
  expect((await call('POST', '/api/deployments/ab/pause', {})).json.error.message).toMatch(/already paused/)
  expect((await call('POST', '/api/deployments/ab/resume', {})).json.policy.status).toBe('progressing')
  const rolled = await call('POST', '/api/deployments/ab/rollback', { reason: 'enough' })
  expect(rolled.json).toMatchObject({
    revision: 4,
    action: 'rollback',
    reason: 'enough',
    policy: { status: 'rolled-back' },
  })
  await controller.sync()
  for (let u = 0; u < 12; u++)
    expect((await infer(`u${u}`)).headers.get('strata-model-version')).toBe(String(versions.champion))

  const status = await call('GET', '/api/deployments/ab')
  expect(status.json).toMatchObject({ weight: 0, lastDecision: { action: 'rollback', reason: 'enough' } })
  const history = await call('GET', '/api/deployments/ab/history')
  expect(history.json.revisions.map((r: { action: string }) => r.action)).toEqual([
    'create',
    'pause',
    'resume',
    'rollback',
  ])
  expect((await call('GET', '/api/deployments')).json.deployments).toHaveLength(1)
  const openapi = await call('GET', '/api/openapi.json')
  expect(Object.keys(openapi.json.paths)).toContain('/api/deployments/{name}/promote')
}, 120_000)

it('classifies the deployment routes: reads need read, changes need deploy', () => {
  expect(routeAccess('GET', '/api/deployments/:name').access).toBe('read')
  expect(routeAccess('GET', '/api/deployments/:name/history').access).toBe('read')
  for (const path of [
    '/api/deployments/:name',
    '/api/deployments/:name/promote',
    '/api/deployments/:name/rollback',
    '/api/deployments/:name/abort',
  ]) {
    expect(routeAccess('POST', path)).toEqual({ access: 'deploy', classified: true })
  }
})
