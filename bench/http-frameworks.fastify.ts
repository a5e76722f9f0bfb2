/**
 * The bench's routes on Fastify 5, built as the migration would: Fastify's JSON parser and body
 * limit, zod schemas through `fastify-type-provider-zod` (validation and, later, OpenAPI), one
 * error handler for Strata's `{"error":…}` body and an encapsulated MLflow scope with MLflow's
 * error body; the artifact scope drops every body parser and streams `request.raw`.
 */
import { Readable } from 'node:stream'
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import { defaultErrorBody } from '../src/api/api-app.js'
import {
  ARTIFACTS_PATH,
  asStrataError,
  type BenchHandlers,
  mlflowErrorOf,
  ONLINE_BODY_LIMIT,
  ONLINE_PATH,
  onlineBody,
  RUNS_GET_PATH,
  runsGetQuery,
} from './http-frameworks.routes.js'

/** A Fastify instance serving the bench's routes over `handlers` (not listening yet). */
export async function createFastifyBenchApp(handlers: BenchHandlers): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, keepAliveTimeout: 65_000, bodyLimit: ONLINE_BODY_LIMIT })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const { status, body } = defaultErrorBody(asStrataError(err))
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
      artifacts.put(`${ARTIFACTS_PATH}/*`, (req) =>
        handlers.putArtifact((req.params as { '*': string })['*'], req.raw),
      )
      artifacts.get(`${ARTIFACTS_PATH}/*`, async (req, reply) => {
        const file = await handlers.getArtifact((req.params as { '*': string })['*'])
        reply.type('application/octet-stream')
        if (file.size !== undefined) reply.header('content-length', file.size)
        return reply.send(Readable.from(file.body))
      })
    })
  })
  return app
}
