/**
 * The bench's routes on Fastify 5, built as the migration would: Fastify's JSON parser and body
 * limit (no text/plain parser, so other types get 415), zod schemas through
 * `fastify-type-provider-zod` (validation, and the OpenAPI document via `@fastify/swagger`),
 * per-request request id header and authentication hook, `@fastify/compress`, 405 with `Allow`
 * for a known path, one error handler for Strata's `{"error":…}` body and an encapsulated MLflow
 * scope with MLflow's error body; the artifact scope drops every body parser and streams
 * `request.raw`.
 */
import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import compress from '@fastify/compress'
import swagger from '@fastify/swagger'
import Fastify, { type FastifyError, type FastifyInstance, type HTTPMethods } from 'fastify'
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
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

const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/** A Fastify instance serving the bench's routes over `handlers` (not listening yet). */
export async function createFastifyBenchApp(handlers: BenchHandlers): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    keepAliveTimeout: 65_000,
    bodyLimit: ONLINE_BODY_LIMIT,
    genReqId: () => randomUUID(),
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  await app.register(swagger, {
    openapi: { info: { title: 'Strata', version: 'bench' } },
    transform: jsonSchemaTransform,
  })
  await app.register(compress, { threshold: COMPRESS_THRESHOLD })
  app.removeContentTypeParser('text/plain')
  // The `principal` request field is declared by src/api/authentication.ts (same shape).
  app.decorateRequest('principal', null as unknown as { id: string })
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id)
    req.principal = authenticate(req.headers.authorization)
    done()
  })
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const { status, body } = defaultErrorBody(asStrataError(err))
    return reply.status(status).type('application/json').send(body)
  })
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0] ?? '/'
    const allow = METHODS.filter((method) => app.findRoute({ method, url }) !== null)
    if (allow.length > 0) reply.header('allow', allow.join(', '))
    const err = new StrataError('NOT_FOUND', `no route for ${req.method} ${url}`, {
      ...(allow.length > 0 ? { details: { httpStatus: 405 } } : {}),
    })
    const { status, body } = defaultErrorBody(err)
    return reply.status(status).type('application/json').send(body)
  })
  const typed = app.withTypeProvider<ZodTypeProvider>()
  typed.post(ONLINE_PATH, { schema: { body: onlineBody } }, (req) => handlers.online(req.body))

  await app.register(async (mlflow) => {
    mlflow.setErrorHandler((err: FastifyError, _req, reply) => {
      const { status, body } = mlflowErrorOf(err)
      return reply.status(status).send(body)
    })
    mlflow
      .withTypeProvider<ZodTypeProvider>()
      .get(RUNS_GET_PATH, { schema: { querystring: runsGetQuery } }, (req) => handlers.getRun(req.query))
    await mlflow.register(async (artifacts) => {
      // Artifacts are raw bytes of any type (a .json file too): no parser, the handler streams.
      artifacts.removeAllContentTypeParsers()
      artifacts.addContentTypeParser('*', (_req, _payload, done) => done(null))
      // mime-db calls application/octet-stream compressible: without this, a client sending
      // Accept-Encoding (the mlflow client does) gets every binary artifact gzipped on the fly.
      const raw = { compress: false as const }
      artifacts.put(`${ARTIFACTS_PATH}/*`, raw, (req) =>
        handlers.putArtifact((req.params as { '*': string })['*'], req.raw),
      )
      artifacts.get(`${ARTIFACTS_PATH}/*`, raw, async (req, reply) => {
        const file = await handlers.getArtifact((req.params as { '*': string })['*'])
        reply.type('application/octet-stream')
        if (file.size !== undefined) reply.header('content-length', file.size)
        return reply.send(Readable.from(file.body))
      })
    })
  })
  return app
}
