import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { StrataError } from '../../core/errors.js'

/** Options of {@link webUi}. */
export interface WebUiOptions {
  /** The built UI (`web/dist`): `index.html` and hashed assets. */
  root: string
}

/**
 * Vite's build output folder, whose every file name carries a content hash
 * (`assets/index-BQ3pRdsx.js`): its bytes never change under that name, so clients may cache it
 * for a year without asking again.
 */
const HASHED = /^assets[\\/]/

/**
 * Serves the web UI's static files at `/`: hashed assets (`assets/`) with `Cache-Control: immutable` and a
 * year's `max-age`, everything else (`index.html`) revalidated on every load (`no-cache`, with
 * ETag and Last-Modified), Range requests, and gzip through the server's compression. One route
 * per file found at start-up (not a `/*` wildcard, so the server's 404/405 answers stay exact);
 * {@link spaFallback} answers the UI's client-side routes with `index.html`.
 */
export async function webUi(app: FastifyInstance, options: WebUiOptions): Promise<void> {
  if (!existsSync(join(options.root, 'index.html'))) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `the web UI at ${options.root} has no index.html; build it (npm run build in web/) or leave it out`,
    )
  }
  await app.register(fastifyStatic, {
    root: options.root,
    prefix: '/',
    wildcard: false,
    cacheControl: false,
    setHeaders: (res, path) => {
      res.setHeader(
        'cache-control',
        HASHED.test(relative(options.root, path)) ? 'public, max-age=31536000, immutable' : 'no-cache',
      )
    },
  })
}

/**
 * The single-page app's fallback: a browser navigation (`GET`, accepting HTML) to a path no
 * route serves, outside `/api`, gets `index.html`, so the UI's own router shows the page.
 * Returns false when the request is not such a navigation.
 */
export function spaFallback(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false
  if (/^\/(?:api|ajax-api)(?:\/|$)/.test(request.url)) return false
  if (!(request.headers.accept ?? '').includes('text/html')) return false
  void reply.header('cache-control', 'no-cache').sendFile('index.html')
  return true
}
