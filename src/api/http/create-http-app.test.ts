import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { injectFetch } from '../../../test/support/inject-fetch.js'
import { StrataError } from '../../core/errors.js'
import { defineRoute } from '../../core/rest/index.js'
import { createHttpApp } from './create-http-app.js'
import { listen } from './listen.js'
import { bindRoute } from './rest-binding.js'

const getItem = defineRoute({
  method: 'GET',
  path: '/api/items/:id',
  tag: 'test',
  summary: 'an item',
  params: z.object({ id: z.string() }),
  query: z.object({ q: z.string().optional() }),
  response: z.object({ id: z.string(), q: z.string().nullable() }),
})
const createItem = defineRoute({
  method: 'POST',
  path: '/api/items',
  tag: 'test',
  summary: 'create an item',
  body: z.object({ name: z.unknown() }),
  status: 201,
  response: z.object({ created: z.string(), big: z.unknown() }),
})

async function testApp(): Promise<FastifyInstance> {
  const app = await createHttpApp({ version: '0.0.0' })
  bindRoute(app, getItem, ({ params, query }) => ({ id: params.id, q: query.q ?? null }))
  bindRoute(app, createItem, ({ body }) => {
    if (typeof body.name !== 'string') throw new StrataError('INVALID_ARGUMENT', 'name must be a string')
    return { created: body.name, big: 2n ** 60n }
  })
  app.get('/api/files/*', (request) => ({ path: (request.params as Record<string, string>)['*'] }))
  app.get('/api/boom', () => {
    throw new Error('kaput')
  })
  app.get('/s3', () => {
    throw new StrataError('UNAVAILABLE', 'S3 said no', { details: { httpStatus: 405, s3Error: 'X' } })
  })
  await app.register(
    async (custom) => {
      custom.setErrorHandler((_err, _request, reply) => reply.code(418).type('text/plain').send('custom'))
      custom.get('/x', () => {
        throw new StrataError('NOT_FOUND', 'nope')
      })
    },
    { prefix: '/api/custom' },
  )
  return app
}

let app: FastifyInstance
let call: (path: string, init?: RequestInit) => Promise<Response>

beforeAll(async () => {
  app = await testApp()
  const fetch = injectFetch(app)
  call = (path, init) =>
    fetch(
      new Request(`http://local${path}`, {
        ...init,
        headers: { 'content-type': 'application/json', ...init?.headers },
      }),
    )
})
afterAll(() => app.close())

describe('HTTP app (in-process with inject, no sockets)', () => {
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
    const res = await call('/s3')
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ error: { code: 'UNAVAILABLE', details: { httpStatus: 405 } } })
  })

  it('names the offending field of a request that fails its schema', async () => {
    const res = await call('/api/items', { method: 'POST', body: '{"nam":1}' })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^invalid request body: .*"name"/) },
    })
  })

  it('answers a path that is not valid percent-encoding with 400 in the same shape', async () => {
    const res = await app.inject({ url: '/api/items/%zz' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({
      error: {
        code: 'INVALID_ARGUMENT',
        message: 'the path of GET /api/items/%zz is not valid percent-encoding',
      },
    })
  })

  it('lets a scope render errors in its own wire format', async () => {
    const res = await call('/api/custom/x')
    expect(res.status).toBe(418)
    expect(await res.text()).toBe('custom')
  })

  it('answers every request with a request id, the caller’s when it is a plain token', async () => {
    const fresh = await call('/api/items/1')
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const next = await call('/api/items/1')
    expect(next.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(next.headers.get('x-request-id')).not.toBe(fresh.headers.get('x-request-id'))
    const given = await call('/api/nope', { headers: { 'x-request-id': 'trace-42' } })
    expect(given.headers.get('x-request-id')).toBe('trace-42')
    const hostile = await call('/api/items/1', { headers: { 'x-request-id': 'a b\tc' } })
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('logs with the request id, and every failed request (5xx) with its error', async () => {
    const lines: Record<string, unknown>[] = []
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>)
        done()
      },
    })
    const logged = await createHttpApp({ version: '0', logger: { level: 'info', stream } })
    logged.get('/boom', () => {
      throw new Error('kaput')
    })
    try {
      const res = await logged.inject({ url: '/boom', headers: { 'x-request-id': 'req-7' } })
      expect(res.headers['x-request-id']).toBe('req-7')
      expect(lines).toContainEqual(expect.objectContaining({ reqId: 'req-7', level: 50, msg: 'kaput' }))
      expect(lines).toContainEqual(expect.objectContaining({ reqId: 'req-7', msg: 'request', status: 500 }))
    } finally {
      await logged.close()
    }
  })

  it('gzips JSON answers from 1 KiB up for clients that accept it, and not smaller ones', async () => {
    const big = await app.inject({
      url: `/api/items/1?q=${'x'.repeat(2000)}`,
      headers: { 'accept-encoding': 'gzip' },
    })
    expect(big.headers['content-encoding']).toBe('gzip')
    const small = await app.inject({ url: '/api/items/1', headers: { 'accept-encoding': 'gzip' } })
    expect(small.headers['content-encoding']).toBeUndefined()
    expect(small.headers['content-length']).toBe(String(small.rawPayload.length))
  })
})

describe('HTTP app over node:http', () => {
  it('serves the same app on 127.0.0.1, JSON with a content-length', async () => {
    const server = await listen(await testApp(), { port: 0 })
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const res = await fetch(`${server.url}/api/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x' }),
      })
      expect(res.status).toBe(201)
      expect(await res.json()).toMatchObject({ created: 'x' })
      const item = await fetch(`${server.url}/api/items/2?ignored=1`)
      const text = await item.text()
      expect(item.headers.get('content-length')).toBe(String(Buffer.byteLength(text)))
      expect(JSON.parse(text)).toEqual({ id: '2', q: null })
    } finally {
      await server.close()
    }
  })

  it('refuses a port in use with FAILED_PRECONDITION naming it', async () => {
    const first = await listen(await testApp(), { port: 0 })
    const port = Number(new URL(first.url).port)
    const second = await testApp()
    try {
      await expect(listen(second, { port })).rejects.toMatchObject({
        code: 'FAILED_PRECONDITION',
        message: expect.stringContaining(String(port)),
      })
    } finally {
      await second.close()
      await first.close()
    }
  })
})
