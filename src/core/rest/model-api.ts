import { z } from 'zod'
import { defineRoute } from './rest-route.js'
import { emptySchema, pageSchema, queryString, searchQuery, tagsSchema } from './rest-schemas.js'

/** A registered model: a name under which versions are registered. */
export const registeredModelSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    tags: tagsSchema,
    aliases: z.record(z.string(), z.number()).describe('alias → version'),
    latestVersion: z.number().nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
    createdBy: z.string().nullable(),
  })
  .meta({ id: 'RegisteredModel' })

const tensorSpec = z.object({
  name: z.string(),
  type: z.string(),
  shape: z.array(z.union([z.number(), z.string(), z.null()])).nullable(),
})

/** One immutable version of a registered model. */
export const modelVersionSchema = z
  .object({
    name: z.string(),
    version: z.number(),
    flavor: z.enum(['onnx', 'js', 'external']),
    source: z.string(),
    runId: z.string().nullable(),
    runLink: z.string().nullable(),
    description: z.string(),
    status: z.enum(['PENDING_REGISTRATION', 'READY', 'FAILED_REGISTRATION']),
    statusMessage: z.string().nullable(),
    signature: z.object({ inputs: z.array(tensorSpec), outputs: z.array(tensorSpec) }).nullable(),
    metrics: z.record(z.string(), z.number()),
    tags: tagsSchema,
    aliases: z.array(z.string()),
    stage: z
      .enum(['None', 'Staging', 'Production', 'Archived'])
      .describe("MLflow's deprecated stage; None unless moved with transition-stage"),
    files: z.array(z.object({ path: z.string(), size: z.number(), sha256: z.string() })),
    storagePrefix: z.string().nullable(),
    onnx: z
      .object({
        irVersion: z.number().nullable(),
        opsets: z.record(z.string(), z.number()),
        producerName: z.string().nullable(),
        producerVersion: z.string().nullable(),
        metadata: tagsSchema,
      })
      .nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
    createdBy: z.string().nullable(),
  })
  .meta({ id: 'ModelVersion' })

/** One move of an alias: set (`fromVersion` → `toVersion`) or removed (`toVersion` null). */
export const aliasEventSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    alias: z.string(),
    fromVersion: z.number().nullable(),
    toVersion: z.number().nullable(),
    actor: z.string().nullable(),
    reason: z.string().nullable(),
    at: z.number(),
  })
  .meta({ id: 'AliasEvent' })

const nameParams = z.object({ name: z.string() })
const versionParams = z.object({ name: z.string(), version: z.string().describe('version number ≥ 1') })
const aliasParams = z.object({ name: z.string(), alias: z.string() })
const describeBody = z.strictObject({ description: z.string().optional() })
const tagBody = z.strictObject({ value: z.string() })

/** The model-registry routes of Strata's REST API (`/api/models…`). */
export const modelApi = {
  search: defineRoute({
    method: 'GET',
    path: '/api/models',
    tag: 'models',
    summary: 'Search registered models (paged)',
    query: z.object(searchQuery),
    response: pageSchema(registeredModelSchema),
  }),
  create: defineRoute({
    method: 'POST',
    path: '/api/models',
    tag: 'models',
    summary: 'Create a registered model',
    body: z.strictObject({
      name: z.string(),
      description: z.string().optional(),
      tags: tagsSchema.optional(),
    }),
    status: 201,
    response: registeredModelSchema,
  }),
  get: defineRoute({
    method: 'GET',
    path: '/api/models/:name',
    tag: 'models',
    summary: 'A registered model',
    params: nameParams,
    response: registeredModelSchema,
  }),
  update: defineRoute({
    method: 'PATCH',
    path: '/api/models/:name',
    tag: 'models',
    summary: "Update a registered model's description",
    params: nameParams,
    body: describeBody,
    response: registeredModelSchema,
  }),
  delete: defineRoute({
    method: 'DELETE',
    path: '/api/models/:name',
    tag: 'models',
    summary: 'Delete a registered model with its versions',
    params: nameParams,
    response: emptySchema,
  }),
  setTag: defineRoute({
    method: 'PUT',
    path: '/api/models/:name/tags/:key',
    tag: 'models',
    summary: 'Set a tag of a registered model',
    params: z.object({ name: z.string(), key: z.string() }),
    body: tagBody,
    response: emptySchema,
  }),
  deleteTag: defineRoute({
    method: 'DELETE',
    path: '/api/models/:name/tags/:key',
    tag: 'models',
    summary: 'Delete a tag of a registered model',
    params: z.object({ name: z.string(), key: z.string() }),
    response: emptySchema,
  }),
  listVersions: defineRoute({
    method: 'GET',
    path: '/api/models/:name/versions',
    tag: 'models',
    summary: "A model's versions, newest first",
    params: nameParams,
    response: z.array(modelVersionSchema),
  }),
  registerVersion: defineRoute({
    method: 'POST',
    path: '/api/models/:name/versions',
    tag: 'models',
    summary:
      'Register a version: ONNX bytes (application/octet-stream; query runId, description, source) or a JSON description of a js or external version',
    params: nameParams,
    query: z.object({ runId: queryString, description: queryString, source: queryString }),
    body: z.strictObject({
      flavor: z.enum(['js', 'external']).optional(),
      source: z.string().optional(),
      runId: z.string().optional(),
      runLink: z.string().optional(),
      description: z.string().optional(),
      tags: tagsSchema.optional(),
      metrics: z.record(z.string(), z.number()).optional(),
      files: z
        .array(z.strictObject({ path: z.string(), base64: z.string() }))
        .optional()
        .describe('for js versions: the files, base64-encoded'),
    }),
    bytes: 'buffered',
    status: 201,
    response: modelVersionSchema,
  }),
  getVersion: defineRoute({
    method: 'GET',
    path: '/api/models/:name/versions/:version',
    tag: 'models',
    summary: 'A model version',
    params: versionParams,
    response: modelVersionSchema,
  }),
  updateVersion: defineRoute({
    method: 'PATCH',
    path: '/api/models/:name/versions/:version',
    tag: 'models',
    summary: "Update a version's description",
    params: versionParams,
    body: describeBody,
    response: modelVersionSchema,
  }),
  deleteVersion: defineRoute({
    method: 'DELETE',
    path: '/api/models/:name/versions/:version',
    tag: 'models',
    summary: 'Delete a model version',
    params: versionParams,
    response: emptySchema,
  }),
  setVersionTag: defineRoute({
    method: 'PUT',
    path: '/api/models/:name/versions/:version/tags/:key',
    tag: 'models',
    summary: 'Set a tag of a version',
    params: versionParams.extend({ key: z.string() }),
    body: tagBody,
    response: emptySchema,
  }),
  deleteVersionTag: defineRoute({
    method: 'DELETE',
    path: '/api/models/:name/versions/:version/tags/:key',
    tag: 'models',
    summary: 'Delete a tag of a version',
    params: versionParams.extend({ key: z.string() }),
    response: emptySchema,
  }),
  getFile: defineRoute({
    method: 'GET',
    path: '/api/models/:name/versions/:version/files/*',
    tag: 'models',
    summary: 'A stored file of a version (empty path: its first file), streamed',
    params: versionParams.extend({ '*': z.string().describe('file path') }),
    response: 'bytes',
  }),
  aliasHistory: defineRoute({
    method: 'GET',
    path: '/api/models/:name/aliases',
    tag: 'models',
    summary: "Every alias move of a model (optionally one alias's), oldest first",
    params: nameParams,
    query: z.object({ alias: queryString }),
    response: z.array(aliasEventSchema),
  }),
  getAlias: defineRoute({
    method: 'GET',
    path: '/api/models/:name/aliases/:alias',
    tag: 'models',
    summary: 'The version an alias points at',
    params: aliasParams,
    response: modelVersionSchema,
  }),
  setAlias: defineRoute({
    method: 'PUT',
    path: '/api/models/:name/aliases/:alias',
    tag: 'models',
    summary: 'Point an alias at a version (recorded with who and why)',
    params: aliasParams,
    body: z.strictObject({
      version: z.number().int(),
      reason: z.string().optional(),
    }),
    response: z.object({
      event: aliasEventSchema.nullable().describe('null when the alias already pointed there'),
    }),
  }),
  deleteAlias: defineRoute({
    method: 'DELETE',
    path: '/api/models/:name/aliases/:alias',
    tag: 'models',
    summary: 'Remove an alias (recorded)',
    params: aliasParams,
    query: z.object({ reason: queryString }),
    response: z.object({ event: aliasEventSchema }),
  }),
} as const
