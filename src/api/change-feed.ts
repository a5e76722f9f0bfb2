import type { FastifyInstance, onResponseHookHandler } from 'fastify'
import type { z } from 'zod'
import type { changeEventSchema } from '../core/rest/index.js'

/** A successful write, as `GET /api/events` streams it. */
export type ChangeEvent = z.input<typeof changeEventSchema>

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * The server's live feed of successful writes, for views that update live (the web UI): every
 * POST/PUT/PATCH/DELETE of the routes it watches that answered 2xx becomes one
 * {@link ChangeEvent} to each subscriber. In-process: writes by other processes (the CLI, a
 * second server) do not appear.
 */
export class ChangeFeed {
  private readonly listeners = new Set<(event: ChangeEvent) => void>()

  /** Calls `listener` for each change until the returned function is called. */
  subscribe(listener: (event: ChangeEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Sends a change to every subscriber. */
  publish(event: ChangeEvent): void {
    for (const listener of this.listeners) listener(event)
  }

  /** Number of subscribers (a publisher skips building events nobody reads). */
  get size(): number {
    return this.listeners.size
  }

  /**
   * Publishes the successful writes of the routes `app` registers from now on: an `onResponse`
   * hook on each POST/PUT/PATCH/DELETE route, so reads — the hot paths — pay nothing for it.
   */
  watch(app: FastifyInstance, now: () => number = Date.now): void {
    const publish: onResponseHookHandler = (request, reply, done) => {
      if (this.size > 0 && reply.statusCode < 300 && WRITES.has(request.method)) {
        const q = request.url.indexOf('?')
        this.publish({
          type: 'change',
          method: request.method as ChangeEvent['method'],
          path: q < 0 ? request.url : request.url.slice(0, q),
          status: reply.statusCode,
          principal: request.principal?.id ?? 'anonymous',
          requestId: request.id,
          at: now(),
        })
      }
      done()
    }
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      if (!methods.some((m) => WRITES.has(m))) return
      const existing = route.onResponse
      route.onResponse =
        existing === undefined ? [publish] : [...(Array.isArray(existing) ? existing : [existing]), publish]
    })
  }
}
