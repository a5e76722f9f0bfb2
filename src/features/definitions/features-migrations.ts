import type { Migration } from '../../db/index.js'

/** Tables of the feature store. Timestamps are epoch ms; specs are JSON text. */
export type FeatureTables = {
  /** Every registered version of every definition; rows are never updated except `removed_at`. */
  features_definitions: {
    kind: string
    name: string
    version: number
    /** Hash of the whole spec: a new version whenever it changes. */
    spec_hash: string
    /** Hash of what determines a view's data (source, sql, transform, keys, features), else null. */
    data_hash: string | null
    spec: string
    created_at: number
    /** Set on the latest version when the definition was removed from the project. */
    removed_at: number | null
  }
  /** Feature-view data computed to Parquet, per data hash and source snapshot. */
  features_computations: {
    view: string
    data_hash: string
    /** Identifies the source snapshot (a dataset commit id, or a file signature). */
    source_key: string
    /** Dataset commit holding the Parquet, or null when kept only in the local cache. */
    commit_id: string | null
    /** Path inside the dataset, or the local path when `commit_id` is null. */
    path: string
    rows: number
    min_time: number | null
    max_time: number | null
    computed_at: number
  }
  /** How far each view's data version has been materialized online. */
  features_watermarks: {
    view: string
    data_hash: string
    watermark: number
    rows: number
    updated_at: number
    /** The source snapshot last materialized (`features_computations.source_key`); null for query sources. */
    source_key: string | null
    /** The source dataset commit last materialized, for reports; null for files and query sources. */
    source_commit: string | null
  }
  /** Registered training sets. */
  features_training_sets: {
    name: string
    version: number
    dataset: string
    commit_id: string
    path: string
    rows: number
    spec: string
    created_at: number
  }
}

/** Migrations owned by the feature store. */
export const featuresMigrations: Migration[] = [
  {
    id: 'features/001-init',
    up: async (db) => {
      await db.schema
        .createTable('features_definitions')
        .addColumn('kind', 'varchar(32)', (c) => c.notNull())
        .addColumn('name', 'varchar(128)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('spec_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('data_hash', 'varchar(64)')
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('removed_at', 'bigint')
        .addPrimaryKeyConstraint('features_definitions_pk', ['kind', 'name', 'version'])
        .execute()
      await db.schema
        .createTable('features_computations')
        .addColumn('view', 'varchar(128)', (c) => c.notNull())
        .addColumn('data_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('source_key', 'varchar(256)', (c) => c.notNull())
        .addColumn('commit_id', 'varchar(64)')
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('rows', 'bigint', (c) => c.notNull())
        .addColumn('min_time', 'bigint')
        .addColumn('max_time', 'bigint')
        .addColumn('computed_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('features_computations_pk', ['view', 'data_hash', 'source_key'])
        .execute()
      await db.schema
        .createTable('features_watermarks')
        .addColumn('view', 'varchar(128)', (c) => c.notNull())
        .addColumn('data_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('watermark', 'bigint', (c) => c.notNull())
        .addColumn('rows', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('features_watermarks_pk', ['view', 'data_hash'])
        .execute()
      await db.schema
        .createTable('features_training_sets')
        .addColumn('name', 'varchar(128)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('dataset', 'varchar(128)', (c) => c.notNull())
        .addColumn('commit_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('rows', 'bigint', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('features_training_sets_pk', ['name', 'version'])
        .execute()
    },
  },
  {
    id: 'features/002-materialized-source',
    up: async (db) => {
      await db.schema.alterTable('features_watermarks').addColumn('source_key', 'varchar(256)').execute()
      await db.schema.alterTable('features_watermarks').addColumn('source_commit', 'varchar(64)').execute()
    },
  },
]
