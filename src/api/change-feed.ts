import type { FastifyInstance } from 'fastify'
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
   * Publishes the successful writes of `app`'s routes (an `onResponse` hook, so only the scopes
   * that opt in — not the hot read paths — pay for it).
   */
  watch(app: FastifyInstance, now: () => number = Date.now): void {
    app.addHook('onResponse', (request, reply, done) => {
      if (this.size > 0 && WRITES.has(request.method) && reply.statusCode < 300) {
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
    })
  }
}
