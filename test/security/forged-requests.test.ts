import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServerApp, routeTable } from '../../src/api/index.js'
import { openStrata, type Strata } from '../../src/platform/index.js'

/**
 * Requests a browser can forge against a Strata server on localhost are refused on every route
 * the server has. The routes come from the app itself, so a route added later is covered
 * without being listed here.
 */

let dir: string
let strata: Strata
let app: FastifyInstance

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-forged-'))
  strata = await openStrata({ cwd: dir, config: { blobs: 'memory:' }, env: {} })
  app = await createServerApp(strata, {
    version: '0.0.0',
    allowedHosts: ['strata.internal'],
    corsOrigins: ['https://ui.example.com'],
  })
  await app.ready()
})
afterAll(async () => {
  await app.close()
  await strata.close()
  rmSync(dir, { recursive: true, force: true })
})

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
/** The content types a page may send cross-site without a CORS preflight (Fetch standard). */
const SIMPLE_TYPES: Record<string, string> = {
  'text/plain': '{"name":"planted"}',
  'application/x-www-form-urlencoded': 'name=planted',
  'multipart/form-data; boundary=x':
    '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nplanted\r\n--x--\r\n',
}

/** A concrete URL for a route pattern: every parameter and wildcard filled in. */
function concrete(url: string): string {
  return url.replace(/:[A-Za-z0-9_]+/g, 'x').replace(/\*/g, 'x')
}

function routes(filter: (method: string) => boolean) {
  const seen = new Set<string>()
  return routeTable(app)
    .filter((r) => filter(r.method))
    .filter((r) => {
      const key = `${r.method} ${r.url}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
}

describe('forged cross-site requests are refused on every route', () => {
  it('finds the routes of every router in the app', () => {
    const urls = routes(() => true).map((r) => r.url)
    expect(urls).toContain('/api/experiments')
    expect(urls).toContain('/features/online')
    expect(urls.some((u) => u.startsWith('/api/2.0/mlflow/'))).toBe(true)
    expect(urls.some((u) => u.startsWith('/ajax-api/'))).toBe(true)
    expect(routes((m) => WRITES.has(m)).length).toBeGreaterThan(30)
  })

  it('answers a POST with each simple content type (no preflight needed) with 415', async () => {
    const failures: string[] = []
    for (const route of routes((m) => m === 'POST')) {
      for (const [type, payload] of Object.entries(SIMPLE_TYPES)) {
        const res = await app.inject({
          method: 'POST',
          url: concrete(route.url),
          headers: { 'content-type': type },
          payload,
        })
        if (res.statusCode !== 415) failures.push(`POST ${route.url} ${type}: ${res.statusCode}`)
      }
    }
    expect(failures).toEqual([])
  })

  it('answers every route with 403 for a foreign Host (DNS rebinding)', async () => {
    const failures: string[] = []
    for (const route of routes((m) => m !== 'HEAD')) {
      const res = await app.inject({
        method: route.method as 'GET',
        url: concrete(route.url),
        headers: { host: 'evil.example:5000', 'content-type': 'application/json' },
        ...(WRITES.has(route.method) ? { payload: '{}' } : {}),
      })
      if (res.statusCode !== 403) failures.push(`${route.method} ${route.url}: ${res.statusCode}`)
    }
    expect(failures).toEqual([])
  })

  it('answers every route with 403 for a foreign Origin, whatever the content type', async () => {
    const failures: string[] = []
    for (const route of routes((m) => m !== 'HEAD')) {
      for (const origin of ['https://evil.example', 'null', 'http://localhost:5001']) {
        const res = await app.inject({
          method: route.method as 'GET',
          url: concrete(route.url),
          headers: { host: 'localhost:5000', origin, 'content-type': 'application/json' },
          ...(WRITES.has(route.method) ? { payload: '{}' } : {}),
        })
        if (res.statusCode !== 403)
          failures.push(`${route.method} ${route.url} from ${origin}: ${res.statusCode}`)
        if (res.headers['access-control-allow-origin'] !== undefined)
          failures.push(`${route.method} ${route.url}: CORS header for ${origin}`)
      }
    }
    expect(failures).toEqual([])
  })

  it('answers TRACE and unknown methods with 405 and a malformed Host with 400 on every route', async () => {
    const failures: string[] = []
    for (const route of routes((m) => m === 'GET' || WRITES.has(m))) {
      const url = concrete(route.url)
      for (const method of ['TRACE', 'PROPFIND']) {
        const res = await app.inject({ method: method as 'GET', url })
        if (res.statusCode !== 405) failures.push(`${method} ${route.url}: ${res.statusCode}`)
      }
      for (const host of ['x/y?z', 'localhost/../admin', 'a b', 'u@localhost']) {
        const res = await app.inject({ method: route.method as 'GET', url, headers: { host } })
        if (res.statusCode !== 400)
          failures.push(`${route.method} ${route.url} Host ${host}: ${res.statusCode}`)
      }
    }
    expect(failures).toEqual([])
  })

  it('names the refused Host and Origin and what would be allowed', async () => {
    const host = await app.inject({ method: 'GET', url: '/api/health', headers: { host: 'evil.example' } })
    expect(host.json()).toMatchObject({ error: { code: 'PERMISSION_DENIED' } })
    expect(host.json().error.message).toContain('evil.example')
    expect(host.json().error.message).toContain('--allowed-host')
    const origin = await app.inject({
      method: 'POST',
      url: '/api/experiments',
      headers: { host: 'localhost:5000', origin: 'https://evil.example', 'content-type': 'application/json' },
      payload: '{"name":"planted"}',
    })
    expect(origin.statusCode).toBe(403)
    expect(origin.json().error.message).toContain('https://evil.example')
    expect((await app.inject({ method: 'GET', url: '/api/experiments/by-name/planted' })).statusCode).toBe(
      404,
    )
  })
})

describe('what the rules let through', () => {
  it('serves the loopback names, the configured names and same-origin pages', async () => {
    for (const host of ['localhost:5000', '127.0.0.1:5000', '[::1]:5000', 'STRATA.internal', 'localhost']) {
      const res = await app.inject({ method: 'GET', url: '/api/health', headers: { host } })
      expect(res.statusCode, host).toBe(200)
    }
    const res = await app.inject({
      method: 'POST',
      url: '/api/experiments',
      headers: {
        host: 'strata.internal:8080',
        origin: 'http://strata.internal:8080',
        'content-type': 'application/json',
      },
      payload: '{"name":"same-origin"}',
    })
    expect(res.statusCode).toBe(201)
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('answers a configured origin with CORS headers and its preflight with 204', async () => {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/experiments',
      headers: {
        host: 'localhost:5000',
        origin: 'https://ui.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    })
    expect(preflight.statusCode).toBe(204)
    expect(preflight.headers['access-control-allow-origin']).toBe('https://ui.example.com')
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization')
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined()
    const res = await app.inject({
      method: 'GET',
      url: '/api/experiments',
      headers: { host: 'localhost:5000', origin: 'https://ui.example.com' },
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBe('https://ui.example.com')
  })

  it('sends no CORS header without configured origins, and refuses a wildcard origin in the configuration', async () => {
    const plain = await createServerApp(strata, { version: '0.0.0' })
    const res = await plain.inject({
      method: 'OPTIONS',
      url: '/api/experiments',
      headers: { origin: 'https://ui.example.com', 'access-control-request-method': 'POST' },
    })
    expect(res.statusCode).toBe(403)
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
    await plain.close()
    await expect(createServerApp(strata, { version: '0.0.0', corsOrigins: ['*'] })).rejects.toThrow(
      /CORS origin "\*" is invalid/,
    )
  })
})
