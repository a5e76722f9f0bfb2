import { z } from 'zod'
import { StrataError } from '../core/errors.js'
import { type ModelRegistry, parseVersion } from '../registry/index.js'
import type { Mount } from './api-app.js'
import { jsonResponse } from './api-app.js'
import { type ApiRequest, type RequestService, Router } from './router.js'
import { defined, queryInt, queryStr, readBody, streamResponse } from './tracking-routes.js'

const tags = z.record(z.string(), z.string())
/** Largest model accepted in one registration request (bytes). */
const MAX_MODEL_BYTES = 512 * 1024 * 1024

/**
 * Strata's own model-registry REST API (plain JSON, camelCase; see docs/api.md) under
 * `/api/models`: registered models, versions (ONNX bytes in the request body, or a JSON
 * description for `js`/`external` versions), tags, file downloads, aliases and alias history.
 */
export function registryMounts(registry: RequestService<ModelRegistry>): Mount[] {
  const v = (req: ApiRequest) => parseVersion(req.params.version ?? '')
  const name = (req: ApiRequest) => req.params.name ?? ''
  const router = new Router()
    .get('/', async (req) =>
      (await registry(req)).searchModels(
        defined({
          filter: queryStr(req.query, 'filter'),
          orderBy: req.query.getAll('orderBy').length > 0 ? req.query.getAll('orderBy') : undefined,
          maxResults: queryInt(req.query, 'maxResults'),
          pageToken: queryStr(req.query, 'pageToken'),
        }),
      ),
    )
    .post('/', async (req) => {
      const b = await readBody(
        req,
        z.strictObject({ name: z.string(), description: z.string().optional(), tags: tags.optional() }),
      )
      const model = await (await registry(req)).createModel(
        b.name,
        defined({ description: b.description, tags: b.tags }),
      )
      return jsonResponse(model, 201)
    })
    .get('/:name', async (req) => (await registry(req)).getModel(name(req)))
    .patch('/:name', async (req) => {
      const b = await readBody(req, z.strictObject({ description: z.string().optional() }))
      return (await registry(req)).updateModel(name(req), defined({ description: b.description }))
    })
    .delete('/:name', async (req) => {
      await (await registry(req)).deleteModel(name(req))
      return {}
    })
    .put('/:name/tags/:key', async (req) => {
      const b = await readBody(req, z.strictObject({ value: z.string() }))
      await (await registry(req)).setModelTag(name(req), req.params.key ?? '', b.value)
      return {}
    })
    .delete('/:name/tags/:key', async (req) => {
      await (await registry(req)).deleteModelTag(name(req), req.params.key ?? '')
      return {}
    })
    .get('/:name/versions', async (req) => (await registry(req)).listVersions(name(req)))
    .post('/:name/versions', async (req) =>
      jsonResponse(await registerVersion(await registry(req), req), 201),
    )
    .get('/:name/versions/:version', async (req) => (await registry(req)).getVersion(name(req), v(req)))
    .patch('/:name/versions/:version', async (req) => {
      const b = await readBody(req, z.strictObject({ description: z.string().optional() }))
      return (await registry(req)).updateVersion(name(req), v(req), defined({ description: b.description }))
    })
    .delete('/:name/versions/:version', async (req) => {
      await (await registry(req)).deleteVersion(name(req), v(req))
      return {}
    })
    .put('/:name/versions/:version/tags/:key', async (req) => {
      const b = await readBody(req, z.strictObject({ value: z.string() }))
      await (await registry(req)).setVersionTag(name(req), v(req), req.params.key ?? '', b.value)
      return {}
    })
    .delete('/:name/versions/:version/tags/:key', async (req) => {
      await (await registry(req)).deleteVersionTag(name(req), v(req), req.params.key ?? '')
      return {}
    })
    .get('/:name/versions/:version/files/*path', async (req) => {
      const bytes = await (await registry(req)).readFile(name(req), v(req), req.params.path || undefined)
      return streamResponse(
        (async function* () {
          yield bytes
        })(),
        bytes.byteLength,
      )
    })
    .get('/:name/aliases', async (req) =>
      (await registry(req)).aliasHistory(name(req), defined({ alias: queryStr(req.query, 'alias') })),
    )
    .get('/:name/aliases/:alias', async (req) =>
      (await registry(req)).getVersionByAlias(name(req), req.params.alias ?? ''),
    )
    .put('/:name/aliases/:alias', async (req) => {
      const b = await readBody(
        req,
        z.strictObject({
          version: z.number().int(),
          reason: z.string().optional(),
          actor: z.string().optional(),
        }),
      )
      const event = await (await registry(req)).setAlias(
        name(req),
        req.params.alias ?? '',
        b.version,
        defined({ reason: b.reason, actor: b.actor }),
      )
      return { event }
    })
    .delete('/:name/aliases/:alias', async (req) => {
      const reason = queryStr(req.query, 'reason')
      const event = await (await registry(req)).deleteAlias(
        name(req),
        req.params.alias ?? '',
        defined({ reason }),
      )
      return { event }
    })
  return [{ prefix: '/api/models', router }]
}

const versionJson = z.strictObject({
  flavor: z.enum(['js', 'external']).optional(),
  source: z.string().optional(),
  runId: z.string().optional(),
  runLink: z.string().optional(),
  description: z.string().optional(),
  tags: tags.optional(),
  metrics: z.record(z.string(), z.number()).optional(),
  /** For `js` versions: files as base64. */
  files: z.array(z.strictObject({ path: z.string(), base64: z.string() })).optional(),
})

/**
 * `POST /api/models/:name/versions`: an `application/octet-stream` body is an ONNX model (metadata
 * in query parameters `runId`, `description`, `source`); a JSON body describes a `js` version
 * (files as base64) or an `external` one (a `source` URI only).
 */
async function registerVersion(registry: ModelRegistry, req: ApiRequest) {
  const model = req.params.name ?? ''
  const type = req.headers.get('content-type') ?? ''
  if (type.startsWith('application/octet-stream')) {
    const declared = Number(req.headers.get('content-length') ?? '0')
    if (declared > MAX_MODEL_BYTES) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `model of ${declared} bytes exceeds the ${MAX_MODEL_BYTES}-byte limit`,
      )
    }
    const onnx = new Uint8Array(await req.raw.arrayBuffer())
    if (onnx.byteLength === 0)
      throw new StrataError('INVALID_ARGUMENT', 'the request body is empty; send the ONNX model bytes')
    return registry.registerVersion(
      model,
      defined({
        onnx,
        runId: queryStr(req.query, 'runId'),
        description: queryStr(req.query, 'description'),
        source: queryStr(req.query, 'source'),
      }),
    )
  }
  const b = await readBody(req, versionJson)
  return registry.registerVersion(model, {
    ...defined({
      flavor: b.flavor,
      source: b.source,
      runId: b.runId,
      runLink: b.runLink,
      description: b.description,
      tags: b.tags,
      metrics: b.metrics,
    }),
    ...(b.files === undefined
      ? {}
      : {
          files: b.files.map((f) => ({
            path: f.path,
            bytes: new Uint8Array(Buffer.from(f.base64, 'base64')),
          })),
        }),
  })
}
