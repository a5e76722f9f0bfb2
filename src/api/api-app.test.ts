import { describe, expect, it } from 'vitest'
import { StrataError } from '../core/errors.js'
import { createApiApp, jsonResponse, type TextRoute } from './api-app.js'
import { listen } from './node-server.js'
import { Router } from './router.js'

const router = new Router()
  .get('/items/:id', (req) => ({ id: req.params.id, q: req.query.get('q') }))
  .post('/items', async (req) => {
    const body = await req.json<{ name?: unknown }>()
    if (typeof body.name !== 'string') throw new StrataError('INVALID_ARGUMENT', 'name must be a string')
    return jsonResponse({ created: body.name, big: 2n ** 60n }, 201)
  })
  .get('/files/*path', (req) => ({ path: req.params.path }))
  .get('/boom', () => {
    throw new Error('kaput')
  })
const custom = new Router({ formatError: () => new Response('custom', { status: 418 }) }).get('/x', () => {
  throw new StrataError('NOT_FOUND', 'nope')
})
/** A text route: echoes the parsed body's `n` doubled; rejects anything else. */
const double: TextRoute = {
  method: 'POST',
  path: '/api/double',
  handle: async (body) => {
    const n = (JSON.parse(body) as { n?: unknown }).n
    if (typeof n !== 'number') throw new StrataError('INVALID_ARGUMENT', 'n must be a number')
    return JSON.stringify({ doubled: n * 2 })
  },
}
const app = createApiApp(
  [
    { prefix: '/api', router },
    { prefix: '/api/custom', router: custom },
  ],
  [double],
)
const call = (path: string, init?: RequestInit) => app.fetch(new Request(`http://local${path}`, init))

describe('API app (in-process, no sockets)', () => {
  it('routes with params, query and wildcard paths', async () => {
    expect(await (await call('/api/items/a%20b?q=1')).json()).toEqual({ id: 'a b', q: '1' })
    expect(await (await call('/api/files/dir/sub/file.txt')).json()).toEqual({ path: 'dir/sub/file.txt' })
  })

  it('parses JSON bodies and serializes bigint', async () => {
    const res = await call('/api/items', { method: 'POST', body: JSON.stringify({ name: 'n' }) })
    expect(res.status).toBe(201)
    expect(await res.text()).toBe('{"created":"n","big":"1152921504606846976"}')
  })

  it('maps errors to statuses with one JSON shape, never 5xx for client mistakes', async () => {
    const bad = await call('/api/items', { method: 'POST', body: '{not json' })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } })
    expect((await call('/api/items', { method: 'POST', body: '{"name":1}' })).status).toBe(400)
    expect((await call('/api/nope')).status).toBe(404)
    expect((await call('/elsewhere')).status).toBe(404)
    expect((await call('/api/items/1', { method: 'DELETE' })).status).toBe(405)
    const boom = await call('/api/boom')
    expect(boom.status).toBe(500)
    expect(await boom.json()).toEqual({ error: { code: 'INTERNAL', message: 'kaput' } })
  })

  it('answers a known path with another method as 405 with an Allow header, not through error details', async () => {
    const res = await call('/api/items/1', { method: 'DELETE' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET, HEAD')
    expect(await res.json()).toEqual({
      error: {
        code: 'INVALID_ARGUMENT',
        message: 'DELETE is not allowed on /api/items/1; allowed: GET, HEAD',
        details: { allowed: ['GET', 'HEAD'] },
      },
    })
    expect((await call('/api/items/1', { method: 'HEAD' })).status).toBe(200)
    const missing = await call('/api/nope')
    expect(await missing.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'no route for GET /api/nope' },
    })
  })

  it('takes the status from the error code alone, whatever the details carry', async () => {
    const leaky = createApiApp([
      {
        prefix: '/s3',
        router: new Router().get('/', () => {
          throw new StrataError('UNAVAILABLE', 'S3 said no', { details: { httpStatus: 405, s3Error: 'X' } })
        }),
      },
    ])
    const res = await leaky.fetch(new Request('http://local/s3'))
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ error: { code: 'UNAVAILABLE', details: { httpStatus: 405 } } })
  })

  it("gives each routed request the principal the app's resolver decides (anonymous by default)", async () => {
    const whoami = new Router().get('/', (req) => ({ id: req.principal.id }))
    const anonymous = createApiApp([{ prefix: '/me', router: whoami }])
    expect(await (await anonymous.fetch(new Request('http://local/me'))).json()).toEqual({ id: 'anonymous' })
    const byHeader = createApiApp([{ prefix: '/me', router: whoami }], [], {
      principal: (request) => {
        const user = request.headers.get('x-user')
        if (user === null) throw new StrataError('INVALID_ARGUMENT', 'x-user header is required')
        return { id: user }
      },
    })
    const ada = await byHeader.fetch(new Request('http://local/me', { headers: { 'x-user': 'ada' } }))
    expect(await ada.json()).toEqual({ id: 'ada' })
    const nobody = await byHeader.fetch(new Request('http://local/me'))
    expect(nobody.status).toBe(400)
    expect(await nobody.json()).toMatchObject({ error: { message: 'x-user header is required' } })
  })

  it('serves text routes, with errors in the default shape', async () => {
    const ok = await call('/api/double', { method: 'POST', body: '{"n":21}' })
    expect(ok.headers.get('content-type')).toBe('application/json')
    expect(await ok.json()).toEqual({ doubled: 42 })
    const bad = await call('/api/double', { method: 'POST', body: '{"n":"x"}' })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: { code: 'INVALID_ARGUMENT', message: 'n must be a number' } })
    expect((await call('/api/double')).status).toBe(404)
  })

  it('lets a mounted router render errors in its own wire format', async () => {
    const res = await call('/api/custom/x')
    expect(res.status).toBe(418)
    expect(await res.text()).toBe('custom')
  })
})

describe('API over node:http', () => {
  it('serves the same app on 127.0.0.1 with streamed bodies', async () => {
    const server = await listen(app, { port: 0 })
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const res = await fetch(`${server.url}/api/items`, {
        method: 'POST',
        body: JSON.stringify({ name: 'x' }),
      })
      expect(res.status).toBe(201)
      expect(await res.json()).toMatchObject({ created: 'x' })

      const text = await fetch(`${server.url}/api/double?ignored=1`, { method: 'POST', body: '{"n":2}' })
      expect(text.headers.get('content-length')).toBe('13')
      expect(await text.json()).toEqual({ doubled: 4 })
      const bad = await fetch(`${server.url}/api/double`, { method: 'POST', body: '{}' })
      expect(bad.status).toBe(400)
      expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } })
    } finally {
      await server.close()
    }
  })
})
