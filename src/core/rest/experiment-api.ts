import { z } from 'zod'
import { defineRoute } from './rest-route.js'
import { emptySchema, pageSchema, searchQuery, tagsSchema, viewSchema } from './rest-schemas.js'

/** Soft-delete state of an experiment or run. */
export const lifecycleStageSchema = z.enum(['active', 'deleted'])

/** An experiment: a group of runs (ids are decimal strings; `"0"` is the default experiment). */
export const experimentSchema = z
  .object({
    experimentId: z.string(),
    name: z.string(),
    artifactLocation: z.string(),
    lifecycleStage: lifecycleStageSchema,
    creationTime: z.number().describe('epoch milliseconds'),
    lastUpdateTime: z.number(),
    tags: tagsSchema,
  })
  .meta({ id: 'Experiment' })

const idParams = z.object({ id: z.string() })

/** The experiment routes of Strata's REST API (`/api/experiments…`). */
export const experimentApi = {
  search: defineRoute({
    method: 'GET',
    path: '/api/experiments',
    tag: 'experiments',
    summary: 'Search experiments (paged)',
    query: z.object({ ...searchQuery, view: viewSchema.optional() }),
    response: pageSchema(experimentSchema),
  }),
  create: defineRoute({
    method: 'POST',
    path: '/api/experiments',
    tag: 'experiments',
    summary: 'Create an experiment',
    body: z.strictObject({
      name: z.string(),
      artifactLocation: z.string().optional(),
      tags: tagsSchema.optional(),
    }),
    status: 201,
    response: experimentSchema,
  }),
  getByName: defineRoute({
    method: 'GET',
    path: '/api/experiments/by-name/:name',
    tag: 'experiments',
    summary: 'An experiment by name',
    params: z.object({ name: z.string() }),
    response: experimentSchema,
  }),
  get: defineRoute({
    method: 'GET',
    path: '/api/experiments/:id',
    tag: 'experiments',
    summary: 'An experiment by id',
    params: idParams,
    response: experimentSchema,
  }),
  rename: defineRoute({
    method: 'PATCH',
    path: '/api/experiments/:id',
    tag: 'experiments',
    summary: 'Rename an experiment',
    params: idParams,
    body: z.strictObject({ name: z.string() }),
    response: experimentSchema,
  }),
  delete: defineRoute({
    method: 'DELETE',
    path: '/api/experiments/:id',
    tag: 'experiments',
    summary: 'Delete an experiment and its runs (soft delete)',
    params: idParams,
    response: emptySchema,
  }),
  restore: defineRoute({
    method: 'POST',
    path: '/api/experiments/:id/restore',
    tag: 'experiments',
    summary: 'Restore a deleted experiment',
    params: idParams,
    response: experimentSchema,
  }),
  setTag: defineRoute({
    method: 'PUT',
    path: '/api/experiments/:id/tags/:key',
    tag: 'experiments',
    summary: 'Set a tag of an experiment',
    params: z.object({ id: z.string(), key: z.string() }),
    body: z.strictObject({ value: z.string() }),
    response: emptySchema,
  }),
} as const
