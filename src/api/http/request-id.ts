import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance } from 'fastify'

/** A caller's own request id is kept when it looks like one (no spaces or control characters). */
const CALLER_ID = /^[\w.:-]{1,128}$/

/**
 * The id of a request: the caller's `x-request-id` when it is a plain token (a proxy's or a
 * client's, so one id follows a request across services), else a new UUID. Fastify binds it
 * into every log line of the request (`reqId`).
 */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && CALLER_ID.test(given) ? given : randomUUID()
}

/** Answers every request with its id in `x-request-id` (set before routing, so errors carry it too). */
export function useRequestIdHeader(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })
}
