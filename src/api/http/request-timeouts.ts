import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
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

/** A request whose body is still arriving, as the sweep of {@link requestTimeouts} sees it. */
interface Receiving {
  reply: FastifyReply
  /** When the request arrived (ms). */
  start: number
  /** The body timeout applies (the route reads the body whole); looked up by the first sweep. */
  whole?: boolean
  /** The socket's `bytesRead` at the last sweep that saw it grow, and when (ms). */
  bytes: number
  progressAt: number
}

/**
 * Enforces {@link RequestTimeouts} per request: returns what to call for each request as it
 * arrives (the layer calls it from its one request hook, `useRequestGuards`), or `undefined`
 * when both limits are off. Node's own `requestTimeout` counts the whole
 * request on every route and cannot exempt one, so the server runs with it off (Fastify's
 * default) and this hook keeps its protection where it belongs: a total body limit on routes
 * that read the body whole, and an idle limit on every request while its body is arriving. No
 * timer per request (that cost showed on the hot path): requests with a body join a set that
 * one sweep checks a few times per limit — a request leaves it once its body is complete, and
 * one that runs out of time is answered 408 and its connection closed (at most a quarter of the
 * shorter limit late). Idle means the socket's byte count did not grow between sweeps.
 */
export function requestTimeouts(
  app: FastifyInstance,
  timeouts: RequestTimeouts,
): ((request: FastifyRequest, reply: FastifyReply) => void) | undefined {
  const limits = [timeouts.body, timeouts.idle].filter((ms) => ms > 0)
  if (limits.length === 0) return undefined
  const period = Math.min(1000, Math.max(25, Math.floor(Math.min(...limits) / 4)))
  const receiving = new Set<Receiving>()
  let sweeper: NodeJS.Timeout | undefined
  const sweep = () => {
    const now = Date.now()
    for (const entry of receiving) {
      const raw = entry.reply.request.raw
      if (raw.complete || raw.destroyed || entry.reply.raw.writableEnded) {
        receiving.delete(entry)
        continue
      }
      const bytes = raw.socket?.bytesRead ?? entry.bytes
      if (bytes !== entry.bytes) {
        entry.bytes = bytes
        entry.progressAt = now
      }
      entry.whole ??= entry.reply.request.routeOptions.config.streamingBody !== true
      if (entry.whole && timeouts.body > 0 && now - entry.start >= timeouts.body) {
        receiving.delete(entry)
        timeOut(entry.reply, `the request body did not arrive within ${timeouts.body} ms`)
      } else if (timeouts.idle > 0 && now - entry.progressAt >= timeouts.idle) {
        receiving.delete(entry)
        timeOut(entry.reply, `no byte of the request body arrived for ${timeouts.idle} ms`)
      }
    }
    if (receiving.size === 0) {
      clearInterval(sweeper)
      sweeper = undefined
    }
  }
  app.addHook('onClose', (_app, done) => {
    clearInterval(sweeper)
    receiving.clear()
    done()
  })
  return (request, reply) => {
    const raw = request.raw
    if (hasBody(raw) && !raw.complete) {
      const now = Date.now()
      receiving.add({ reply, start: now, bytes: raw.socket?.bytesRead ?? 0, progressAt: now })
      if (sweeper === undefined) {
        sweeper = setInterval(sweep, period)
        sweeper.unref()
      }
    }
  }
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
