import { PassThrough } from 'node:stream'
import type { FastifyReply } from 'fastify'

/** One server-sent event. */
export interface ServerSentEvent {
  /** The event type (`event:`); clients listen with `addEventListener(type)`. */
  event?: string
  /** The event id (`id:`), echoed by a reconnecting client in `Last-Event-ID`. */
  id?: string
  /** The payload; each line becomes a `data:` line. */
  data: string
}

/** Options of {@link openEventStream}. */
export interface EventStreamOptions {
  /** A comment line is sent this often (ms) so proxies and idle timers keep the stream open. */
  heartbeatMs?: number
  /**
   * A client that falls this far behind (bytes buffered and not yet taken by the socket) is
   * disconnected; it reconnects and refetches, instead of the server buffering without bound.
   */
  maxBufferedBytes?: number
}

/** An open stream of server-sent events to one client. */
export interface EventStream {
  /** Sends an event; false once the stream has closed. */
  send(event: ServerSentEvent): boolean
  /** Ends the stream. */
  close(): void
  /** Resolves when the stream has closed, whichever side closed it. */
  readonly closed: Promise<void>
}

/**
 * Answers a request with a `text/event-stream` response (server-sent events) and returns the
 * stream to send on. Written for Node 20.19 (the `@fastify/sse` plugin needs a newer Node): a
 * pass-through stream Fastify pipes to the socket, a heartbeat, and a bound on what one slow
 * client may hold in memory. The route must not compress (a gzip stream buffers events).
 *
 * @example
 * const stream = openEventStream(reply)
 * const stop = feed.subscribe((e) => stream.send({ event: 'change', data: JSON.stringify(e) }))
 * void stream.closed.then(stop)
 */
export function openEventStream(reply: FastifyReply, options: EventStreamOptions = {}): EventStream {
  const heartbeatMs = options.heartbeatMs ?? 15_000
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024
  const body = new PassThrough()
  let open = true
  let onClosed: () => void = () => {}
  const closed = new Promise<void>((resolve) => {
    onClosed = resolve
  })
  const close = () => {
    if (!open) return
    open = false
    clearInterval(heartbeat)
    body.end()
    onClosed()
  }
  const write = (text: string) => {
    if (!open) return false
    body.write(text)
    if (body.writableLength > maxBuffered || reply.raw.writableLength > maxBuffered) close()
    return open
  }
  const heartbeat = setInterval(() => write(': keep-alive\n\n'), heartbeatMs)
  heartbeat.unref()
  reply.raw.once('close', close)
  reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache, no-transform')
    .header('x-accel-buffering', 'no')
  // The first bytes send the headers at once, so the client sees the stream open.
  write(`retry: 3000\n: connected\n\n`)
  void reply.send(body)
  return {
    send: (event) => write(format(event)),
    close,
    closed,
  }
}

function format(event: ServerSentEvent): string {
  let text = ''
  if (event.event !== undefined) text += `event: ${oneLine(event.event)}\n`
  if (event.id !== undefined) text += `id: ${oneLine(event.id)}\n`
  for (const line of event.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`
  return `${text}\n`
}

function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, ' ')
}
