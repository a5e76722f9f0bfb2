import type { Migration } from '../../db/index.js'

/** The payload log table (one row per prediction). */
export type PayloadTables = {
  serving_predictions: {
    id: string
    at: number
    endpoint: string
    model_name: string
    model_version: number
    deployment_revision: string | null
    request_id: string | null
    entity_key: string | null
    status: string
    error: string | null
    latency_ms: number
    inputs: string
    outputs: string | null
    feature_views: string | null
    batch: string
  }
}

/**
 * Delayed labels by prediction id (the payload log's ground truth), JSON values; the latest
 * ingest wins. The table and its migration id keep their first owner's name (`monitoring/…`),
 * so databases that applied it do not apply it again.
 */
export type LabelTables = {
  monitoring_labels: { prediction_id: string; label: string; arrived_at: number }
}

/** Migrations owned by serving: the payload log and its indexes for window queries, and the delayed labels joined to it. */
export const servingMigrations: Migration[] = [
  {
    id: 'serving/001-payload-log',
    up: async (db) => {
      await db.schema
        .createTable('serving_predictions')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('endpoint', 'varchar(200)', (c) => c.notNull())
        .addColumn('model_name', 'varchar(200)', (c) => c.notNull())
        .addColumn('model_version', 'integer', (c) => c.notNull())
        .addColumn('deployment_revision', 'varchar(200)')
        .addColumn('request_id', 'varchar(200)')
        .addColumn('entity_key', 'varchar(1000)')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('latency_ms', 'double precision', (c) => c.notNull())
        .addColumn('inputs', 'text', (c) => c.notNull())
        .addColumn('outputs', 'text')
        .addColumn('feature_views', 'text')
        .addColumn('batch', 'varchar(64)', (c) => c.notNull())
        .execute()
      // the window queries: by time, by endpoint, by model version, by deployment, by entity
      await db.schema
        .createIndex('serving_predictions_at')
        .on('serving_predictions')
        .columns(['at', 'id'])
        .execute()
      await db.schema
        .createIndex('serving_predictions_endpoint')
        .on('serving_predictions')
        .columns(['endpoint', 'at', 'id'])
        .execute()
      await db.schema
        .createIndex('serving_predictions_model')
        .on('serving_predictions')
        .columns(['model_name', 'model_version', 'at', 'id'])
        .execute()
      await db.schema
        .createIndex('serving_predictions_revision')
        .on('serving_predictions')
        .columns(['deployment_revision', 'at'])
        .execute()
      await db.schema
        .createIndex('serving_predictions_entity')
        .on('serving_predictions')
        .columns(['entity_key', 'at'])
        .execute()
    },
  },
  {
    id: 'monitoring/002-labels',
    up: async (db) => {
      await db.schema
        .createTable('monitoring_labels')
        .addColumn('prediction_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('arrived_at', 'bigint', (c) => c.notNull())
        .execute()
    },
  },
]
