import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { chunked, rawRequest } from '../../../test/support/raw-http.js'
import { defineRoute } from '../../core/rest/index.js'
import { createHttpApp } from './create-http-app.js'
import { listen, type RunningServer } from './listen.js'
import { bindRoute } from './rest-binding.js'

const json = defineRoute({
  method: 'POST',
  path: '/json',
  tag: 'test',
  summary: 'reads its body whole',
  body: z.object({ pad: z.string().optional() }),
  response: z.object({ length: z.number() }),
})
const upload = defineRoute({
  method: 'PUT',
  path: '/upload/*',
  tag: 'test',
  summary: 'streams its body',
  params: z.object({ '*': z.string() }),
  bytes: 'stream',
  response: z.object({ bytes: z.number() }),
})

// Far apart on purpose: the body limit is short, the idle limit long against the pauses below.
const TIMEOUTS = { headers: 1_000, body: 400, idle: 2_000 }

let server: RunningServer
beforeAll(async () => {
  const app = await createHttpApp({ version: '0', timeouts: TIMEOUTS })
  bindRoute(app, json, ({ body }) => ({ length: body.pad?.length ?? 0 }))
  bindRoute(app, upload, async (_input, request) => {
    let bytes = 0
    for await (const chunk of request.raw) bytes += (chunk as Buffer).length
    return { bytes }
  })
  server = await listen(app)
})
afterAll(() => server.close())

const host = () => new URL(server.url).host

/** `count` pieces of `size` bytes, `pauseMs` apart: a slow but steady client. */
async function* trickle(count: number, size: number, pauseMs: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < count; i++) {
    if (i > 0) await sleep(pauseMs)
    yield Buffer.alloc(size, 'a')
  }
}

describe('request timeouts: streaming uploads exempt from the total, not from idle or header limits', () => {
  it('lets a streaming upload take longer than the body timeout while bytes keep coming', async () => {
    // 12 pieces 100 ms apart: over a second, more than twice the body timeout, never idle.
    const res = await rawRequest(server.url, {
      head: `PUT /upload/big.bin HTTP/1.1\r\nHost: ${host()}\r\nTransfer-Encoding: chunked\r\nConnection: close`,
      body: chunked(trickle(12, 1000, 100)),
    })
    expect([res.status, JSON.parse(res.body)]).toEqual([200, { bytes: 12_000 }])
  })

  it('answers the same slow body on a JSON route with 408', async () => {
    async function* slowJson(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"pad":"')
      yield* trickle(12, 100, 100)
      yield Buffer.from('"}')
    }
    const res = await rawRequest(server.url, {
      head: `POST /json HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked`,
      body: chunked(slowJson()),
    })
    expect(res.status).toBe(408)
    expect(res.headers.connection).toBe('close')
    expect(JSON.parse(res.body)).toMatchObject({
      error: { message: expect.stringContaining('did not arrive within') },
    })
  })

  it('cuts a streaming upload that stops sending for longer than the idle timeout', async () => {
    async function* stalls(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(1000, 'a')
      await sleep(TIMEOUTS.idle * 3)
      yield Buffer.alloc(1000, 'a')
    }
    const res = await rawRequest(server.url, {
      head: `PUT /upload/stalled.bin HTTP/1.1\r\nHost: ${host()}\r\nTransfer-Encoding: chunked`,
      body: chunked(stalls()),
      timeoutMs: TIMEOUTS.idle * 10,
    })
    expect(res.status).toBe(408)
    expect(JSON.parse(res.body)).toMatchObject({ error: { message: expect.stringContaining('no byte') } })
  })

  it('closes a connection whose headers do not arrive within the header timeout', async () => {
    // Headers never finish (no blank line): Node's header timeout answers 408 and closes.
    const res = await rawRequest(server.url, {
      head: `GET /json HTTP/1.1\r\nHost: ${host()}\r\nX-Slow: 1`,
      incompleteHead: true,
      timeoutMs: TIMEOUTS.headers * 10,
    })
    expect(res.status).toBe(408)
  })
})
