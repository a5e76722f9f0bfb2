import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { chunked, rawRequest } from '../../../test/support/raw-http.js'
import { defineRoute } from '../../core/rest/index.js'
import { createHttpApp } from './create-http-app.js'
import { MAX_JSON_DEPTH } from './json-body.js'
import { listen, type RunningServer } from './listen.js'
import { bindRoute } from './rest-binding.js'

const echo = defineRoute({
  method: 'POST',
  path: '/api/echo',
  tag: 'test',
  summary: 'echo',
  body: z.object({ value: z.unknown().optional() }),
  response: z.object({ value: z.unknown().optional() }),
})
const getSecret = defineRoute({
  method: 'GET',
  path: '/api/secret',
  tag: 'test',
  summary: 'never to be reached through Host',
  response: z.object({ secret: z.string() }),
})
const LIMIT = 64 * 1024

let app: FastifyInstance
let server: RunningServer
beforeAll(async () => {
  app = await createHttpApp({ version: '0', bodyLimit: LIMIT })
  bindRoute(app, echo, ({ body }) => ({ value: body.value }))
  bindRoute(app, getSecret, () => ({ secret: 'leaked' }))
  server = await listen(app)
})
afterAll(() => server.close())

const post = (payload: string, contentType?: string) =>
  app.inject({
    method: 'POST',
    url: '/api/echo',
    payload,
    ...(contentType === undefined ? {} : { headers: { 'content-type': contentType } }),
  })
const host = () => new URL(server.url).host

/** A valid body of about `bytes` bytes, in 64 KiB pieces. */
function* bigBody(bytes: number): Generator<Buffer> {
  yield Buffer.from('{"value":"')
  const piece = Buffer.alloc(64 * 1024, 'x')
  for (let n = 0; n < bytes; n += piece.length) yield piece
  yield Buffer.from('"}')
}

describe('request bodies: limits enforced while the body streams in, whatever the framing', () => {
  it('answers a chunked body over the limit with 413 and stops reading it', async () => {
    const total = 64 * 1024 * 1024
    const res = await rawRequest(server.url, {
      head: `POST /api/echo HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked`,
      body: chunked(bigBody(total)),
    })
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } })
    // The answer came while most of the body was still unsent: the server did not read it all.
    expect(res.sentBeforeAnswer).toBeLessThan(total / 2)
  })

  it('answers a declared content-length over the limit with 413 before reading the body', async () => {
    const res = await rawRequest(server.url, {
      head: `POST /api/echo HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nContent-Length: ${LIMIT * 100}`,
      body: bigBody(LIMIT * 100),
    })
    expect(res.status).toBe(413)
  })

  it('accepts a chunked body under the limit', async () => {
    const res = await rawRequest(server.url, {
      head: `POST /api/echo HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close`,
      body: chunked([Buffer.from('{"value":'), Buffer.from('[1,2]}')]),
    })
    expect([res.status, JSON.parse(res.body)]).toEqual([200, { value: [1, 2] }])
  })
})

describe('content types: a JSON route takes JSON only (so browsers cannot forge writes cross-site)', () => {
  it.each([
    ['text/plain', '{"value":1}'],
    ['text/plain;charset=UTF-8', '{"value":1}'],
    ['application/x-www-form-urlencoded', 'value=1'],
    ['multipart/form-data; boundary=x', '--x--'],
    [undefined, '{"value":1}'],
  ])('answers %s with 415 in Strata’s error body', async (type, payload) => {
    const res = await post(payload, type)
    expect(res.statusCode).toBe(415)
    expect(res.json()).toMatchObject({
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('application/json') },
    })
  })

  it('accepts application/json with parameters, and an empty JSON body as no body', async () => {
    expect((await post('{"value":1}', 'application/json; charset=utf-8')).json()).toEqual({ value: 1 })
    expect((await post('', 'application/json')).json()).toEqual({})
  })
})

describe('JSON nesting is bounded (a 400, not a stack overflow)', () => {
  it('refuses a body nested deeper than the bound and keeps serving', async () => {
    // 20,000 levels: enough to overflow the stack of recursive code (zod, JSON.stringify).
    const deep = `{"value":${'['.repeat(20_000)}${']'.repeat(20_000)}}`
    const res = await post(deep, 'application/json')
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({
      error: { message: expect.stringContaining(`${MAX_JSON_DEPTH} levels`) },
    })
    const justDeepEnough = `{"value":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`
    expect((await post(justDeepEnough, 'application/json')).statusCode).toBe(200)
  })

  it('refuses prototype-poisoning keys and names a syntax error', async () => {
    // Plain, escaped (the fast path must not skip these) and constructor.prototype spellings.
    for (const poisoned of [
      '{"value":1,"__proto__":{"x":1}}',
      '{"value":1,"\\u005f_pr\\u006fto__":{"x":1}}',
      '{"value":1,"constructor":{"prototype":{"x":1}}}',
    ]) {
      expect((await post(poisoned, 'application/json')).statusCode, poisoned).toBe(400)
    }
    const bad = await post('{"value":', 'application/json')
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({
      error: { message: expect.stringMatching(/^request body is not valid JSON: /) },
    })
  })
})

describe('Host never routes', () => {
  it('refuses a Host holding a path or query with 400, whatever the path', async () => {
    for (const bad of [`${host()}/api/secret?x=`, 'a b', 'x@evil', `${host()}#frag`]) {
      const res = await rawRequest(server.url, {
        head: `GET /nope HTTP/1.1\r\nHost: ${bad}\r\nConnection: close`,
      })
      expect(res.status, bad).toBe(400)
      expect(res.body).not.toContain('leaked')
    }
  })

  it('routes an absolute-form target on its path, not on the authority it names', async () => {
    const res = await rawRequest(server.url, {
      head: `GET http://elsewhere.example/nope HTTP/1.1\r\nHost: ${host()}\r\nConnection: close`,
    })
    expect(res.status).toBe(404)
    const ok = await rawRequest(server.url, {
      head: `GET /api/secret HTTP/1.1\r\nHost: [::1]:80\r\nConnection: close`,
    })
    expect(ok.status).toBe(200)
  })
})

describe('methods: 405 with Allow for a known path, and for methods no route uses', () => {
  it('answers TRACE with 405 and the methods the path allows, over a real socket', async () => {
    const res = await rawRequest(server.url, {
      head: `TRACE /api/echo HTTP/1.1\r\nHost: ${host()}\r\nConnection: close`,
    })
    expect(res.status).toBe(405)
    expect(res.headers.allow).toBe('POST')
    const anywhere = await rawRequest(server.url, {
      head: `TRACE /nope HTTP/1.1\r\nHost: ${host()}\r\nConnection: close`,
    })
    expect(anywhere.status).toBe(405)
    expect(anywhere.body).not.toContain('TRACE /nope HTTP')
  })

  it('answers a wrong method on a known path with 405 and Allow, and an unknown path with 404', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/api/echo' })
    expect([res.statusCode, res.headers.allow]).toEqual([405, 'POST'])
    expect((await app.inject({ method: 'DELETE', url: '/api/nope' })).statusCode).toBe(404)
  })

  it('answers malformed HTTP with 400 in Strata’s error body', async () => {
    const res = await rawRequest(server.url, { head: `BREW /api/echo HTTP/1.1\r\nHost: ${host()}` })
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } })
  })
})
