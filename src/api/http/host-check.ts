import type { FastifyInstance } from 'fastify'
import { StrataError } from '../../core/errors.js'

/**
 * A `Host` header as RFC 9110 allows it: a registered name or IPv4 address (RFC 3986 `reg-name`
 * characters: no `/`, `?`, `#`, `@` or spaces), or a bracketed IPv6 literal, with an optional port.
 */
const VALID_HOST = /^(?:[A-Za-z0-9\-._~%!$&'()*+,;=]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

/**
 * Refuses a malformed `Host` header with 400. Routing never reads `Host` (Fastify routes on the
 * request path alone); refusing a `Host` that holds a path or a query keeps anything downstream
 * that builds URLs from it (logs, redirects, links) from being steered by it.
 */
export function useHostCheck(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const host = request.headers.host
    if (host !== undefined && !VALID_HOST.test(host)) {
      done(
        new StrataError(
          'INVALID_ARGUMENT',
          `Host header "${host.slice(0, 100)}" is malformed; expected host[:port]`,
        ),
      )
      return
    }
    done()
  })
}
