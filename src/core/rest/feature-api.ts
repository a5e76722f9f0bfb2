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

/**
 * `feast serve`'s `POST /materialize` (`start_ts`, `end_ts`) and `/materialize-incremental`
 * (`end_ts` only) bodies: ISO-8601 times (naive = UTC), optional `feature_views`.
 */
export const feastMaterializeSchema = z
  .object({
    start_ts: z.string().min(1).optional(),
    end_ts: z.string().min(1),
    feature_views: z.array(z.string().min(1)).nullable().optional(),
    disable_event_timestamp: z.boolean().optional(),
  })
  .meta({ id: 'FeastMaterializeRequest' })

/** What Strata's materialization did per view (Feast's server answers an empty body). */
export const feastMaterializeResponseSchema = z
  .object({
    views: z.array(
      z.object({ view: z.string(), mode: z.string(), entities: z.number(), written: z.number() }),
    ),
  })
  .meta({ id: 'FeastMaterializeResponse' })

const pushTarget = z
  .enum(['online', 'offline', 'online_and_offline'])
  .optional()
  .describe('where the rows go (default online); offline pushes are not supported yet (UNSUPPORTED)')
const pushDf = z
  .record(z.string(), column)
  .describe(
    'column → one value per row: join keys, the event timestamp (ISO-8601, naive = UTC; the view column or event_timestamp), every feature',
  )
const pushOptions = {
  to: pushTarget,
  allow_registry_cache: z
    .boolean()
    .optional()
    .describe("accepted for Feast's clients; Strata always reads the registry"),
  transform_on_write: z
    .boolean()
    .optional()
    .describe("accepted for Feast's clients; pushed rows are not transformed"),
}

/**
 * Feast's `POST /push` body (`PushFeaturesRequest`): rows for every view declaring the push
 * source. Strata's `POST /features/push` also takes `feature_view_name` instead, for one view.
 */
export const featurePushRequestSchema = z
  .object({
    push_source_name: z.string().min(1).optional(),
    feature_view_name: z.string().min(1).optional(),
    df: pushDf,
    ...pushOptions,
  })
  .meta({ id: 'FeaturePushRequest' })

/** Feast's `POST /write-to-online-store` body (`WriteToFeatureStoreRequest`): rows for one view. */
export const feastWriteToOnlineStoreSchema = z
  .object({ feature_view_name: z.string().min(1), df: pushDf, ...pushOptions })
  .omit({ to: true })
  .meta({ id: 'FeastWriteToOnlineStoreRequest' })

/** What a push did, per view (Feast's server answers an empty body). */
export const featurePushResponseSchema = z
  .object({
    to: z.enum(['online', 'offline', 'online_and_offline']),
    views: z.array(
      z.object({
        view: z.string(),
        version: z.number().describe('the registered version written to'),
        rows: z.number().describe('rows given'),
        entities: z.number().describe('entities written to (the latest row per entity is kept)'),
        written: z.number(),
        skipped: z.number().describe('values the online store already held at a newer event time'),
      }),
    ),
  })
  .meta({ id: 'FeaturePushResponse' })

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
  /** The same lookup at `feast serve`'s path, where Feast's remote online store and clients post. */
  feastOnline: defineRoute({
    method: 'POST',
    path: '/get-online-features',
    tag: 'features',
    summary: "Online feature values at feast serve's path (for Feast's SDK and remote online store)",
    body: feastOnlineRequestSchema,
    response: feastOnlineResponseSchema,
  }),
  push: defineRoute({
    method: 'POST',
    path: '/features/push',
    tag: 'features',
    summary:
      "Write rows straight to the online store: a push source's views (push_source_name) or one view (feature_view_name)",
    body: featurePushRequestSchema,
    response: featurePushResponseSchema,
  }),
  feastPush: defineRoute({
    method: 'POST',
    path: '/push',
    tag: 'features',
    summary: "Push rows to every view of a push source (feast serve's request)",
    body: featurePushRequestSchema,
    response: featurePushResponseSchema,
  }),
  feastWriteToOnlineStore: defineRoute({
    method: 'POST',
    path: '/write-to-online-store',
    tag: 'features',
    summary:
      "Write rows of one view to the online store (feast serve's request; Feast's remote online store posts here)",
    body: feastWriteToOnlineStoreSchema,
    response: featurePushResponseSchema,
  }),
  feastMaterialize: defineRoute({
    method: 'POST',
    path: '/materialize',
    tag: 'features',
    summary: "Materialize views' latest values in [start_ts, end_ts] (feast serve's request)",
    body: feastMaterializeSchema,
    response: feastMaterializeResponseSchema,
  }),
  feastMaterializeIncremental: defineRoute({
    method: 'POST',
    path: '/materialize-incremental',
    tag: 'features',
    summary: "Materialize what changed since the last run, up to end_ts (feast serve's request)",
    body: feastMaterializeSchema,
    response: feastMaterializeResponseSchema,
  }),
} as const
