import type { FastifyReply, FastifyRequest } from 'fastify'
import { StrataError } from '../../core/errors.js'

/** The methods and request headers a CORS preflight may ask for. */
const CORS_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE'
const CORS_HEADERS = 'authorization, content-type, x-request-id'

/**
 * Normalizes configured CORS origins (`https://app.example:8443`) to the form browsers send in
 * `Origin` (scheme, host, port; no path); a value that is not an http(s) origin is
 * `INVALID_ARGUMENT` naming it.
 */
export function corsOriginSet(origins: readonly string[] = []): ReadonlySet<string> {
  const set = new Set<string>()
  for (const origin of origins) {
    let url: URL | undefined
    try {
      url = new URL(origin)
    } catch {
      url = undefined
    }
    if (
      url === undefined ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      origin.includes('*')
    ) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `CORS origin "${origin}" is invalid; expected an explicit origin such as https://app.example.com`,
      )
    }
    set.add(url.origin)
  }
  return set
}

/** What {@link originCheck} returns when it answered the request itself (a CORS preflight). */
export const ANSWERED = Symbol('answered')

/**
 * Refuses cross-site requests: a request whose `Origin` is neither this server's own (same
 * host as the request's `Host`) nor one of `corsOrigins` is 403 `PERMISSION_DENIED`, whatever
 * its method or content type — browsers send `Origin` on every cross-site request but simple
 * GETs, so a page elsewhere can neither write nor read. Without configured origins no CORS
 * header is ever sent; with them, their preflights are answered (204) and their requests carry
 * `Access-Control-Allow-Origin`. Credentials are never allowed: tokens travel in
 * `Authorization`, which a page only sends when its script holds the token.
 *
 * Returns `undefined` when the request may go on (CORS headers set where they belong), the
 * error to answer with, or {@link ANSWERED} when it answered a preflight. The layer runs it
 * from its one request hook (`useRequestGuards`).
 */
export function originCheck(
  corsOrigins: ReadonlySet<string> = new Set(),
): (request: FastifyRequest, reply: FastifyReply) => StrataError | typeof ANSWERED | undefined {
  return (request, reply) => {
    const origin = request.headers.origin
    if (origin === undefined || sameOrigin(origin, request)) return undefined
    if (corsOrigins.has(origin)) {
      reply.header('access-control-allow-origin', origin)
      reply.header('vary', 'Origin')
      if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
        preflight(reply)
        return ANSWERED
      }
      reply.header('access-control-expose-headers', 'x-request-id')
      return undefined
    }
    return new StrataError(
      'PERMISSION_DENIED',
      `cross-origin request from "${origin.slice(0, 100)}" refused; ` +
        (corsOrigins.size === 0
          ? 'no CORS origins are configured (strata server --cors-origin <origin>)'
          : `allowed origins: ${[...corsOrigins].join(', ')}`),
      { details: { origin } },
    )
  }
}

function preflight(reply: FastifyReply): FastifyReply {
  return reply
    .code(204)
    .header('access-control-allow-methods', CORS_METHODS)
    .header('access-control-allow-headers', CORS_HEADERS)
    .header('access-control-max-age', '600')
    .send()
}

/** True when `origin` names the host the request was sent to (the web UI served by this server). */
function sameOrigin(origin: string, request: FastifyRequest): boolean {
  const host = request.headers.host
  if (host === undefined) return false
  try {
    const url = new URL(origin)
    const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80'
    const target = host.toLowerCase()
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      (url.host === target || `${url.hostname}:${port}` === target)
    )
  } catch {
    return false
  }
}
