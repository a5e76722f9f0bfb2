import type { FastifyInstance } from 'fastify'
import { StrataError } from '../core/errors.js'
import { modelApi, type RouteBody } from '../core/rest/index.js'
import { type ModelRegistry, parseVersion } from '../registry/index.js'
import { bindRoute } from './http/index.js'
import { defined, nonEmpty } from './rest-input.js'

/** Largest model accepted in one registration request (bytes). */
const MAX_MODEL_BYTES = 512 * 1024 * 1024

/**
 * Strata's model-registry routes (`/api/models…`, see `modelApi` and docs/api.md): registered
 * models, versions (ONNX bytes in the request body, or a JSON description for `js`/`external`
 * versions), tags, file downloads, aliases and alias history.
 */
export async function modelRoutes(app: FastifyInstance): Promise<void> {
  const registry = (request: { services: { registry(): Promise<ModelRegistry> } }) =>
    request.services.registry()
  bindRoute(app, modelApi.search, async ({ query }, request) =>
    (await registry(request)).searchModels(
      defined({
        filter: query.filter,
        orderBy: nonEmpty(query.orderBy),
        maxResults: query.maxResults,
        pageToken: query.pageToken,
      }),
    ),
  )
  bindRoute(app, modelApi.create, async ({ body }, request) =>
    (await registry(request)).createModel(
      body.name,
      defined({ description: body.description, tags: body.tags }),
    ),
  )
  bindRoute(app, modelApi.get, async ({ params }, request) => (await registry(request)).getModel(params.name))
  bindRoute(app, modelApi.update, async ({ params, body }, request) =>
    (await registry(request)).updateModel(params.name, defined({ description: body.description })),
  )
  bindRoute(app, modelApi.delete, async ({ params }, request) => {
    await (await registry(request)).deleteModel(params.name)
    return {}
  })
  bindRoute(app, modelApi.setTag, async ({ params, body }, request) => {
    await (await registry(request)).setModelTag(params.name, params.key, body.value)
    return {}
  })
  bindRoute(app, modelApi.deleteTag, async ({ params }, request) => {
    await (await registry(request)).deleteModelTag(params.name, params.key)
    return {}
  })
  bindRoute(app, modelApi.listVersions, async ({ params }, request) =>
    (await registry(request)).listVersions(params.name),
  )
  bindRoute(
    app,
    modelApi.registerVersion,
    async ({ params, query, body }, request) => {
      const r = await registry(request)
      if (!Buffer.isBuffer(body)) return registerDescribed(r, params.name, body)
      if (body.byteLength === 0) {
        throw new StrataError('INVALID_ARGUMENT', 'the request body is empty; send the ONNX model bytes')
      }
      return r.registerVersion(
        params.name,
        defined({
          onnx: new Uint8Array(body),
          runId: query.runId,
          description: query.description,
          source: query.source,
        }),
      )
    },
    { bodyLimit: MAX_MODEL_BYTES },
  )
  bindRoute(app, modelApi.getVersion, async ({ params }, request) =>
    (await registry(request)).getVersion(params.name, parseVersion(params.version)),
  )
  bindRoute(app, modelApi.updateVersion, async ({ params, body }, request) =>
    (await registry(request)).updateVersion(
      params.name,
      parseVersion(params.version),
      defined({ description: body.description }),
    ),
  )
  bindRoute(app, modelApi.deleteVersion, async ({ params }, request) => {
    await (await registry(request)).deleteVersion(params.name, parseVersion(params.version))
    return {}
  })
  bindRoute(app, modelApi.setVersionTag, async ({ params, body }, request) => {
    await (await registry(request)).setVersionTag(
      params.name,
      parseVersion(params.version),
      params.key,
      body.value,
    )
    return {}
  })
  bindRoute(app, modelApi.deleteVersionTag, async ({ params }, request) => {
    await (await registry(request)).deleteVersionTag(params.name, parseVersion(params.version), params.key)
    return {}
  })
  bindRoute(app, modelApi.getFile, async ({ params }, request) => {
    const { file, body } = await (await registry(request)).openFile(
      params.name,
      parseVersion(params.version),
      params['*'] || undefined,
    )
    return { body, size: file.size }
  })
  bindRoute(app, modelApi.aliasHistory, async ({ params, query }, request) =>
    (await registry(request)).aliasHistory(params.name, defined({ alias: query.alias })),
  )
  bindRoute(app, modelApi.getAlias, async ({ params }, request) =>
    (await registry(request)).getVersionByAlias(params.name, params.alias),
  )
  // The actor is the request's principal (the registry of `strata.as(principal)`), never the body's.
  bindRoute(app, modelApi.setAlias, async ({ params, body }, request) => ({
    event: await (await registry(request)).setAlias(
      params.name,
      params.alias,
      body.version,
      defined({ reason: body.reason }),
    ),
  }))
  bindRoute(app, modelApi.deleteAlias, async ({ params, query }, request) => ({
    event: await (await registry(request)).deleteAlias(
      params.name,
      params.alias,
      defined({ reason: query.reason }),
    ),
  }))
}

/** A `js` version (files as base64) or an `external` one (a `source` URI only), from JSON. */
function registerDescribed(
  registry: ModelRegistry,
  name: string,
  b: RouteBody<typeof modelApi.registerVersion>,
) {
  return registry.registerVersion(name, {
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
