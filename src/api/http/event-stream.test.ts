import { connect } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpApp } from './create-http-app.js'
import { type EventStream, openEventStream } from './event-stream.js'
import { listen, type RunningServer } from './listen.js'

let app: FastifyInstance
let server: RunningServer
let opened: (stream: EventStream) => void = () => {}

beforeAll(async () => {
  app = await createHttpApp({ version: '0' })
  app.get('/events', { compress: false }, (_request, reply) => {
    const stream = openEventStream(reply, { heartbeatMs: 60_000, maxBufferedBytes: 256 * 1024 })
    opened(stream)
    return reply
  })
  server = await listen(app)
})
afterAll(() => server.close())

describe('event streams', () => {
  it('formats events with type, id and one data line per payload line', async () => {
    const next = new Promise<EventStream>((resolve) => {
      opened = resolve
    })
    const res = await fetch(`${server.url}/events`)
    const stream = await next
    stream.send({ event: 'change', id: '7', data: 'line one\nline two' })
    stream.close()
    expect(await res.text()).toBe(
      'retry: 3000\n: connected\n\nevent: change\nid: 7\ndata: line one\ndata: line two\n\n',
    )
    await stream.closed
  })

  it('drops a client that stops reading once it falls behind by more than the bound', async () => {
    const next = new Promise<EventStream>((resolve) => {
      opened = resolve
    })
    const { port } = new URL(server.url)
    const socket = connect(Number(port), '127.0.0.1')
    socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
    socket.pause() // never reads: the kernel buffers fill, then the server's.
    const stream = await next
    const event = { event: 'change', data: 'x'.repeat(16 * 1024) }
    let sent = 0
    while (stream.send(event)) {
      sent += 1
      if (sent % 64 === 0) await new Promise((resolve) => setImmediate(resolve))
      if (sent > 100_000) throw new Error('the stream never gave up on a client that does not read')
    }
    await stream.closed
    expect(stream.send(event)).toBe(false)
    socket.destroy()
  })
})
