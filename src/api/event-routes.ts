import type { FastifyInstance } from 'fastify'
import { serverApi } from '../core/rest/index.js'
import type { ChangeFeed } from './change-feed.js'
import { bindRoute, type EventStreamOptions, openEventStream } from './http/index.js'

/**
 * `GET /api/events`: the {@link ChangeFeed} as server-sent events — one `change` event per
 * successful write, its data a `ChangeEvent` as JSON, ids counting up per stream.
 */
export function eventRoutes(feed: ChangeFeed, options: EventStreamOptions = {}) {
  return async (app: FastifyInstance): Promise<void> => {
    bindRoute(app, serverApi.events, (_input, _request, reply) => {
      const stream = openEventStream(reply, options)
      let id = 0
      const stop = feed.subscribe((event) => {
        id += 1
        stream.send({ event: 'change', id: String(id), data: JSON.stringify(event) })
      })
      void stream.closed.then(stop)
      return undefined
    })
  }
}
