/**
 * The bench's routes on Hono 4 (served by `@hono/node-server`), built as the migration would:
 * `@hono/zod-openapi` routes (zod validation, 415 for a non-JSON body, the OpenAPI document),
 * Hono's `bodyLimit` (counts streamed bytes, whatever the framing), per-request `requestId`,
 * authentication middleware and `compress`, `methodNotAllowed` (405 with `Allow`), one
 * `onError` for Strata's `{"error":…}` body and an MLflow sub-app with MLflow's error body;
 * artifact uploads stream the request's web body.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import { bodyLimit } from 'hono/body-limit'
import { compress } from 'hono/compress'
import { methodNotAllowed } from 'hono/method-not-allowed'
import { requestId } from 'hono/request-id'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { StrataError } from '../src/core/errors.js'
import {
  ARTIFACTS_PATH,
  asStrataError,
  authenticate,
  type BenchHandlers,
  COMPRESS_THRESHOLD,
  mlflowErrorOf,
  ONLINE_BODY_LIMIT,
  ONLINE_PATH,
  onlineBody,
  RUNS_GET_PATH,
  runsGetQuery,
} from './http-frameworks.routes.js'
import { defaultErrorBody } from './legacy/api-app.js'

type Env = { Variables: { principal: { id: string } } }

/** Throws failed zod validation as `INVALID_ARGUMENT` (the error handlers render it). */
function invalidInput(result: {
  success: boolean
  error?: { issues: { path: PropertyKey[]; message: string }[] }
}): undefined {
  if (result.success) return
  const issue = result.error?.issues[0]
  throw new StrataError(
    'INVALID_ARGUMENT',
    `invalid request: "${issue?.path.join('.') || '(body)'}" ${issue?.message ?? 'is invalid'}`,
  )
}

/** A Hono app serving the bench's routes over `handlers` (`bodyLimit: false` only to measure it). */
export function createHonoBenchApp(handlers: BenchHandlers, options = { bodyLimit: true }): OpenAPIHono<Env> {
  const app = new OpenAPIHono<Env>({ defaultHook: invalidInput })
  app.use(requestId())
  app.use(async (c, next) => {
    c.set('principal', authenticate(c.req.header('authorization')))
    await next()
  })
  app.use(compress({ threshold: COMPRESS_THRESHOLD }))
  app.use(methodNotAllowed({ app }))
  app.onError((err, c) => {
    const { status, body } = defaultErrorBody(asStrataError(err))
    return c.body(body, status as ContentfulStatusCode, { 'content-type': 'application/json' })
  })
  app.notFound((c) => {
    const { status, body } = defaultErrorBody(
      new StrataError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`),
    )
    return c.body(body, status as ContentfulStatusCode, { 'content-type': 'application/json' })
  })
  const tooLarge = () => {
    throw new StrataError('INVALID_ARGUMENT', `request body exceeds the ${ONLINE_BODY_LIMIT}-byte limit`, {
      details: { httpStatus: 413 },
    })
  }
  if (options.bodyLimit) app.post(ONLINE_PATH, bodyLimit({ maxSize: ONLINE_BODY_LIMIT, onError: tooLarge }))
  const online = createRoute({
    method: 'post',
    path: ONLINE_PATH,
    request: { body: { content: { 'application/json': { schema: onlineBody } }, required: true } },
    responses: { 200: { description: "Feast's columnar get-online-features response" } },
  })
  app.openapi(online, async (c) => c.json(await handlers.online(c.req.valid('json'))))

  const mlflow = new OpenAPIHono<Env>({ defaultHook: invalidInput })
  mlflow.onError((err, c) => {
    const { status, body } = mlflowErrorOf(err)
    return c.json(body, status as ContentfulStatusCode)
  })
  const getRun = createRoute({
    method: 'get',
    path: RUNS_GET_PATH,
    request: { query: runsGetQuery },
    responses: { 200: { description: 'The run' } },
  })
  mlflow.openapi(getRun, async (c) => c.json(await handlers.getRun(c.req.valid('query'))))
  mlflow.put(`${ARTIFACTS_PATH}/*`, async (c) => {
    const body = c.req.raw.body ?? ReadableStream.from<Uint8Array>([])
    return c.json(await handlers.putArtifact(artifactPath(c.req.path), body))
  })
  mlflow.get(`${ARTIFACTS_PATH}/*`, async (c) => {
    const file = await handlers.getArtifact(artifactPath(c.req.path))
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' }
    if (file.size !== undefined) headers['content-length'] = String(file.size)
    return c.body(ReadableStream.from(file.body), 200, headers)
  })
  app.route('/', mlflow)
  return app
}

/** The artifact path after the route prefix, percent-decoded per segment (as today's router). */
function artifactPath(path: string): string {
  return path
    .slice(ARTIFACTS_PATH.length + 1)
    .split('/')
    .map(decodeURIComponent)
    .join('/')
}
