import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'

/** The methods routes are declared with, in the order an `Allow` header lists them. */
const ROUTE_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/**
 * Why no route serves a request: no route has its path (`not-found`, HTTP 404), or routes have
 * it with other methods — or the method is one no route uses, such as TRACE — (`method-not-
 * allowed`, HTTP 405, with the methods that would be allowed, for the `Allow` header).
 */
export type RouteMiss = (
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allowed: readonly string[] }
) & {
  method: string
  /** The request path, without the query string. */
  path: string
}

/** Finds out why `request` reached a not-found handler. */
export function routeMiss(app: FastifyInstance, request: FastifyRequest): RouteMiss {
  const path = pathOf(request.url)
  const allowed = ROUTE_METHODS.filter(
    (method) => method !== request.method && app.findRoute({ method, url: path }) !== null,
  )
  const where = { method: request.method, path }
  if (allowed.length > 0 || !ROUTE_METHODS.includes(request.method as HTTPMethods)) {
    return { kind: 'method-not-allowed', allowed, ...where }
  }
  return { kind: 'not-found', ...where }
}

/**
 * Installs `render` as the not-found handler of `app`'s scope: it receives the
 * {@link RouteMiss}; for a 405 the `Allow` header is set already.
 */
export function setRouteMissHandler(
  app: FastifyInstance,
  render: (miss: RouteMiss, request: FastifyRequest, reply: FastifyReply) => unknown,
): void {
  app.setNotFoundHandler((request, reply) => {
    const miss = routeMiss(app, request)
    if (miss.kind === 'method-not-allowed') reply.header('allow', miss.allowed.join(', '))
    return render(miss, request, reply)
  })
}

function pathOf(url: string): string {
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  // An absolute-form request target (`GET http://host/path`) routes on its path.
  return path.startsWith('/') ? path : new URL(path).pathname
}
