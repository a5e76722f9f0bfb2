import type { FastifyInstance } from 'fastify'
import { hostCheck } from './host-check.js'
import { ANSWERED, originCheck } from './origin-check.js'
import { type RequestTimeouts, requestTimeouts } from './request-timeouts.js'

/** What {@link useRequestGuards} checks. */
export interface RequestGuardOptions {
  /** Host names served (see `allowedHostNames`). */
  allowedHosts: ReadonlySet<string>
  /** Origins allowed to call cross-site (see `corsOriginSet`). */
  corsOrigins: ReadonlySet<string>
  timeouts: RequestTimeouts
}

/**
 * The layer's one `onRequest` hook, run for every request before routing's handlers, in this
 * order: the request id goes into `x-request-id` (so errors carry it too), the `Host` check
 * (`hostCheck`), the `Origin` check (`originCheck`; it may answer a CORS preflight itself), and
 * the body timeouts (`requestTimeouts`). One hook instead of four: each hook is a step of
 * Fastify's hook runner on every request, which showed in the profile of the hottest route.
 */
export function useRequestGuards(app: FastifyInstance, options: RequestGuardOptions): void {
  const checkHost = hostCheck(options.allowedHosts)
  const checkOrigin = originCheck(options.corsOrigins)
  const track = requestTimeouts(app, options.timeouts)
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    const refused = checkHost(request.headers.host) ?? checkOrigin(request, reply)
    if (refused === ANSWERED) return
    if (refused !== undefined) {
      done(refused)
      return
    }
    track?.(request, reply)
    done()
  })
}
