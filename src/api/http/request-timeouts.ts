import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { StrataError } from '../../core/errors.js'
import { errorBodyText } from './http-errors.js'

/** How long the server waits for a request, in milliseconds (0 turns a limit off). */
export interface RequestTimeouts {
  /** Most time to receive the request headers (Node's `headersTimeout`; slow-header attacks). */
  headers: number
  /**
   * Most time to receive a whole request body on a route that reads it whole (JSON routes).
   * Routes that stream their body into storage (artifact uploads) are exempt: a large upload
   * over a slow link may take as long as it needs while bytes keep coming.
   */
  body: number
  /** Most time without a byte arriving while a body is being received — on every route. */
  idle: number
}

/** Defaults: Node's own header and request limits (60 s, 300 s) and one minute of silence. */
export const DEFAULT_TIMEOUTS: RequestTimeouts = { headers: 60_000, body: 300_000, idle: 60_000 }

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route streams its request body (exempt from the total body timeout). */
    streamingBody?: boolean
  }
}

/**
 * Enforces {@link RequestTimeouts} per request. Node's own `requestTimeout` counts the whole
 * request on every route and cannot exempt one, so the server runs with it off (Fastify's
 * default) and this hook keeps its protection where it belongs: a body timer on routes that read
 * the body whole, and an idle timer on the socket while any body is arriving. A request that runs
 * out of time is answered 408 and its connection closed.
 */
export function useRequestTimeouts(app: FastifyInstance, timeouts: RequestTimeouts): void {
  app.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw
    if (!hasBody(raw)) {
      done()
      return
    }
    const expire = (why: string) => () => timeOut(reply, why)
    let timer: NodeJS.Timeout | undefined
    if (timeouts.body > 0 && request.routeOptions.config.streamingBody !== true) {
      timer = setTimeout(expire(`the request body did not arrive within ${timeouts.body} ms`), timeouts.body)
    }
    // A socket, not the in-process stand-in `inject` uses.
    const socket = typeof raw.socket?.setTimeout === 'function' ? raw.socket : undefined
    if (timeouts.idle > 0 && socket !== undefined) {
      socket.setTimeout(timeouts.idle)
      raw.once('timeout', expire(`no byte of the request body arrived for ${timeouts.idle} ms`))
    }
    const received = () => {
      clearTimeout(timer)
      // Idle limits apply to receiving only: a handler may compute as long as it needs.
      if (timeouts.idle > 0 && socket !== undefined && !socket.destroyed) socket.setTimeout(0)
    }
    raw.once('end', received)
    reply.raw.once('close', received)
    done()
  })
}

function hasBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length']
  return raw.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/** Answers 408 (unless an answer has started) and closes the connection. */
function timeOut(reply: FastifyReply, why: string): void {
  const res = reply.raw
  if (res.headersSent || res.writableEnded) {
    res.destroy()
    return
  }
  reply.hijack()
  const body = errorBodyText(new StrataError('INVALID_ARGUMENT', `request timed out: ${why}`))
  res.writeHead(408, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
    'x-request-id': reply.request.id,
  })
  res.end(body, () => res.destroy())
}
