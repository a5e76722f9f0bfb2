import { z } from 'zod'
import { defineRoute } from './rest-route.js'

const column = z.array(z.unknown())

/**
 * Feast's `get-online-features` request: `features` (`view:feature` refs) or `feature_service`,
 * entity columns (join keys, and request fields of on-demand features), optional
 * `request_context` and `full_feature_names`.
 */
export const feastOnlineRequestSchema = z
  .object({
    features: z.array(z.string().min(1)).optional(),
    feature_service: z.string().min(1).nullable().optional(),
    entities: z.record(z.string(), column).describe('join key (or request field) → one value per row'),
    full_feature_names: z.boolean().optional(),
    request_context: z.record(z.string(), column).optional(),
    include_feature_view_version_metadata: z.boolean().optional(),
  })
  .meta({ id: 'FeastOnlineRequest' })

/** The status of one value of an online lookup. */
export const fieldStatusSchema = z.enum(['PRESENT', 'NULL_VALUE', 'NOT_FOUND', 'OUTSIDE_MAX_AGE'])

/** Feast's columnar response: one result per name in `metadata.feature_names`, join keys first. */
export const feastOnlineResponseSchema = z
  .object({
    metadata: z.object({ feature_names: z.array(z.string()) }),
    results: z.array(
      z.object({
        values: column,
        statuses: z.array(fieldStatusSchema),
        event_timestamps: z.array(z.string()).describe('ISO-8601 UTC; the epoch when unknown'),
      }),
    ),
  })
  .meta({ id: 'FeastOnlineResponse' })

const definitionKind = z.enum(['entity', 'feature-view', 'on-demand-feature', 'feature-service'])

/** One definition of the project as `strata features list` shows it. */
export const featureInventoryItemSchema = z
  .object({
    kind: definitionKind,
    name: z.string(),
    version: z
      .number()
      .nullable()
      .describe('the live registered version; null when never applied or removed'),
    pending: z.enum(['create', 'update', 'remove', 'unchanged']).describe('what apply would do'),
    summary: z.string(),
    materialized: z
      .object({
        rows: z.number(),
        watermark: z.number(),
        updatedAt: z.number(),
        sourceCommit: z.string().nullable(),
      })
      .nullable()
      .optional()
      .describe('feature views: the online state of the live version (null: never materialized)'),
  })
  .meta({ id: 'FeatureInventoryItem' })

/** A registered version of a feature definition, with its spec. */
export const featureVersionSchema = z
  .object({
    kind: definitionKind,
    name: z.string(),
    version: z.number(),
    specHash: z.string(),
    dataHash: z.string().nullable(),
    spec: z.record(z.string(), z.unknown()),
    createdAt: z.number(),
    removedAt: z.number().nullable(),
  })
  .meta({ id: 'FeatureVersion' })

/** The feature server's routes. */
export const featureApi = {
  online: defineRoute({
    method: 'POST',
    path: '/features/online',
    tag: 'features',
    summary: "Online feature values (Feast's get-online-features request and response)",
    body: feastOnlineRequestSchema,
    response: feastOnlineResponseSchema,
  }),
  inventory: defineRoute({
    method: 'GET',
    path: '/api/features',
    tag: 'features',
    summary: 'Entities, feature views (with online freshness), on-demand features and services',
    response: z.object({ items: z.array(featureInventoryItemSchema) }),
  }),
  versions: defineRoute({
    method: 'GET',
    path: '/api/features/:kind/:name/versions',
    tag: 'features',
    summary: 'Every registered version of a feature definition, oldest first, with its spec',
    params: z.object({ kind: definitionKind, name: z.string() }),
    response: z.object({ items: z.array(featureVersionSchema) }),
  }),
} as const
