import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SCOPES, type Scope } from '../../src/access/index.js'
import { createServerApp, routeAccess, routeTable, tokenPrincipal } from '../../src/api/index.js'
import { openStrata, type Strata } from '../../src/platform/index.js'

/**
 * With tokens on, every route of the app checks `Authorization: Bearer` against its route
 * class. The routes come from the app, so a new route is covered (and must be classified).
 */

let dir: string
let strata: Strata
let app: FastifyInstance
const tokenOf = new Map<Scope, string>()

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-scopes-'))
  strata = await openStrata({ cwd: dir, config: { blobs: 'memory:' }, env: {} })
  const tokens = await strata.tokens()
  for (const scope of SCOPES) {
    tokenOf.set(scope, (await tokens.create({ name: `t-${scope.replace(':', '-')}`, scopes: scope })).token)
  }
  app = await createServerApp(strata, { version: '0.0.0', principal: tokenPrincipal(strata) })
  await app.ready()
})
afterAll(async () => {
  await app.close()
  await strata.close()
  rmSync(dir, { recursive: true, force: true })
})

const concrete = (url: string) => url.replace(/:[A-Za-z0-9_]+/g, 'x').replace(/\*/g, 'x')
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

function routes() {
  const seen = new Set<string>()
  return routeTable(app).filter((r) => {
    const key = `${r.method} ${r.url}`
    if (r.method === 'HEAD' || seen.has(key)) return false
    seen.add(key)
    return true
  })
}

async function send(method: string, url: string, token?: string) {
  return app.inject({
    method: method as 'GET',
    url: concrete(url),
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(WRITES.has(method) ? { payload: '{}' } : {}),
  })
}

describe('scope checks for each route class', () => {
  it('classifies every route of the app with an explicit rule', () => {
    const unclassified = routes().filter((r) => !routeAccess(r.method, r.url).classified)
    expect(unclassified.map((r) => `${r.method} ${r.url}`)).toEqual([])
    const classes = new Set(routes().map((r) => routeAccess(r.method, r.url).access))
    for (const c of ['public', 'read', 'write:tracking', 'write:registry', 'deploy'])
      expect(classes).toContain(c)
  })

  it('refuses each route without a token (401) and with a token of another scope (403), and serves it with its own', async () => {
    const failures: string[] = []
    for (const route of routes()) {
      const { access } = routeAccess(route.method, route.url)
      if (access === 'public') {
        const res = await send(route.method, route.url)
        if (res.statusCode === 401 || res.statusCode === 403)
          failures.push(`public ${route.method} ${route.url}: ${res.statusCode}`)
        continue
      }
      const none = await send(route.method, route.url)
      if (none.statusCode !== 401) failures.push(`no token ${route.method} ${route.url}: ${none.statusCode}`)
      const other = SCOPES.find((s) => s !== access && s !== 'admin') as Scope
      const wrong = await send(route.method, route.url, tokenOf.get(other))
      if (wrong.statusCode !== 403)
        failures.push(`${other} on ${route.method} ${route.url}: ${wrong.statusCode}`)
      // An event stream never ends under inject; its refusals above are what is checked.
      if (route.url === '/api/events') continue
      for (const scope of [access, 'admin'] as Scope[]) {
        const right = await send(route.method, route.url, tokenOf.get(scope))
        if (right.statusCode === 401 || right.statusCode === 403)
          failures.push(`${scope} on ${route.method} ${route.url}: ${right.statusCode}`)
      }
    }
    expect(failures).toEqual([])
  })

  it('answers in the scope wire format: Strata body with WWW-Authenticate, MLflow error codes', async () => {
    const rest = await send('GET', '/api/experiments')
    expect(rest.statusCode).toBe(401)
    expect(rest.headers['www-authenticate']).toContain('Bearer')
    expect(rest.json().error.code).toBe('UNAUTHENTICATED')
    expect(rest.json().error.message).toContain('Authorization: Bearer')
    const mlflow = await send('POST', '/api/2.0/mlflow/experiments/create', tokenOf.get('read'))
    expect(mlflow.statusCode).toBe(403)
    expect(mlflow.json()).toMatchObject({ error_code: 'PERMISSION_DENIED' })
    expect(mlflow.json().message).toContain('write:tracking')
    const bad = await app.inject({
      method: 'GET',
      url: '/api/experiments',
      headers: { authorization: 'Basic eDp5' },
    })
    expect(bad.statusCode).toBe(401)
    const unknown = await send(
      'GET',
      '/api/experiments',
      'strata_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    )
    expect(unknown.statusCode).toBe(401)
  })

  it('answers who a token acts as at GET /api/session (what the web UI checks a token with)', async () => {
    const { token } = await (await strata.tokens()).create({
      name: 'viewer',
      scopes: 'read',
      principal: 'ana',
    })
    const session = await send('GET', '/api/session', token)
    expect(session.statusCode).toBe(200)
    expect(session.json()).toEqual({ principal: 'ana', token: 'viewer' })
    expect((await send('GET', '/api/session')).statusCode).toBe(401)
  })

  it("records the token's principal as the actor of writes, and refuses a revoked token at once", async () => {
    const tokens = await strata.tokens()
    const { token } = await tokens.create({
      name: 'trainer',
      scopes: 'write:tracking,read',
      principal: 'ci-bot',
    })
    const exp = await app.inject({
      method: 'POST',
      url: '/api/runs',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ experiment: 'Default', name: 'by-ci' }),
    })
    expect(exp.statusCode).toBe(201)
    expect(exp.json().info.userId ?? exp.json().info.user).toBe('ci-bot')
    await tokens.revoke('trainer')
    const after = await send('GET', '/api/experiments', token)
    expect(after.statusCode).toBe(401)
  })
})
