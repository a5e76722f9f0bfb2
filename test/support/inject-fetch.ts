import type { FastifyInstance } from 'fastify'

/**
 * A fetch-style function over `app.inject` (no socket): the HTTP tests written against
 * `fetch(new Request(…))` run unchanged on the Fastify app. Headers, method, body and status go
 * through as they would over the wire; the response body is buffered.
 *
 * @example
 * const fetch = injectFetch(await createServerApp(strata, { version: '0.0.0' }))
 * const res = await fetch(new Request('http://local/api/health'))
 */
export function injectFetch(app: FastifyInstance): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url)
    const headers: Record<string, string> = {}
    request.headers.forEach((value, name) => {
      headers[name] = value
    })
    const bytes = request.body === null ? undefined : Buffer.from(await request.arrayBuffer())
    const res = await app.inject({
      method: request.method as 'GET',
      url: `${url.pathname}${url.search}`,
      headers,
      ...(bytes === undefined ? {} : { payload: bytes }),
    })
    const out = new Headers()
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue
      for (const v of Array.isArray(value) ? value : [String(value)]) out.append(name, v)
    }
    const empty = request.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304
    return new Response(empty ? null : res.rawPayload, { status: res.statusCode, headers: out })
  }
}
