/**
 * The HTTP stack `strata server` ran before issue 17, frozen for `http-frameworks.bench.ts`'s
 * `node` server: the hand-written node:http bridge (`node-server.ts`), router (`router.ts`) and
 * app (`api-app.ts`) exactly as they were in src/api/ (moved here when Fastify replaced them),
 * serving the bench's four routes over the same handlers as the other servers: the online
 * feature route as a text route (as the old `featureRoutes` did), MLflow `runs/get`, and the
 * artifact proxy's streamed PUT/GET. The old server also had every other route in its
 * routers; its linear route scan over them (~25 MLflow routes) is not reproduced here.
 */
import { MLFLOW_ERROR_CODES } from '../../src/api/mlflow/index.js'
import { errorMessage, isStrataError, StrataError } from '../../src/core/errors.js'
import type { BenchHandlers } from '../http-frameworks.routes.js'
import { type ApiApp, createApiApp, jsonResponse } from './api-app.js'
import { Router } from './router.js'

/** The old stack's app over the bench handlers; serve it with `listen` from `./node-server.js`. */
export function createLegacyServerApp(
  handlers: BenchHandlers,
  online: (body: string) => Promise<string>,
): ApiApp {
  const formatError = (err: unknown) => {
    const e = isStrataError(err) ? err : new StrataError('INTERNAL', errorMessage(err), { cause: err })
    const mapped = MLFLOW_ERROR_CODES[e.code]
    return jsonResponse({ error_code: mapped.errorCode, message: e.message }, mapped.status)
  }
  const api = new Router({ formatError }).get('/runs/get', (req) =>
    handlers.getRun(Object.fromEntries(req.query)),
  )
  const artifacts = new Router({ formatError })
    .put('/artifacts/*path', async (req) => {
      const body = req.raw.body
      return handlers.putArtifact(
        req.params.path ?? '',
        (body ?? (async function* () {})()) as AsyncIterable<Uint8Array>,
      )
    })
    .get('/artifacts/*path', async (req) => {
      const file = await handlers.getArtifact(req.params.path ?? '')
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' }
      if (file.size !== undefined) headers['content-length'] = String(file.size)
      return new Response(
        ReadableStream.from(file.body) as unknown as ConstructorParameters<typeof Response>[0],
        {
          headers,
        },
      )
    })
  return createApiApp(
    [
      { prefix: '/api/2.0/mlflow', router: api },
      { prefix: '/api/2.0/mlflow-artifacts', router: artifacts },
    ],
    [{ method: 'POST', path: '/features/online', handle: online }],
    { principal: () => ({ id: 'bench' }) },
  )
}
