import type { Generated } from 'kysely'
import type { Migration } from '../db/index.js'

/** Tables of the model registry. Timestamps are epoch milliseconds; JSON columns are text. */
export type RegistryTables = {
  registry_models: {
    name: string
    description: string
    created_at: number
    updated_at: number
    created_by: string | null
    /** The last version number handed out (0 before the first); never reused. */
    last_version: number
  }
  registry_model_tags: { model: string; key: string; value: string }
  registry_versions: {
    model: string
    version: number
    flavor: string
    source: string
    run_id: string | null
    run_link: string | null
    description: string
    status: string
    status_message: string | null
    /** JSON `ModelSignature` or null. */
    signature: string | null
    /** JSON `Record<string, number>`. */
    metrics: string
    /** JSON `ModelFile[]`. */
    files: string
    storage_prefix: string | null
    /** JSON: flavor-specific facts (ONNX opsets, producer, metadata). */
    details: string
    created_at: number
    updated_at: number
    created_by: string | null
    /** MLflow's deprecated stage: `None`, `Staging`, `Production` or `Archived`. */
    stage: Generated<string>
  }
  registry_version_tags: { model: string; version: number; key: string; value: string }
  registry_aliases: {
    model: string
    alias: string
    version: number
    updated_at: number
    updated_by: string | null
  }
  registry_alias_events: {
    id: Generated<number>
    model: string
    alias: string
    from_version: number | null
    to_version: number | null
    actor: string | null
    reason: string | null
    at: number
  }
}

/** Migrations owned by the registry. */
export const registryMigrations: Migration[] = [
  {
    id: 'registry/001-init',
    up: async (db, dialect) => {
      await db.schema
        .createTable('registry_models')
        .addColumn('name', 'varchar(256)', (c) => c.primaryKey())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'varchar(256)')
        .addColumn('last_version', 'integer', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('registry_model_tags')
        .addColumn('model', 'varchar(256)', (c) =>
          c.notNull().references('registry_models.name').onDelete('cascade'),
        )
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('registry_model_tags_pk', ['model', 'key'])
        .execute()
      await db.schema
        .createTable('registry_versions')
        .addColumn('model', 'varchar(256)', (c) =>
          c.notNull().references('registry_models.name').onDelete('cascade'),
        )
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('flavor', 'varchar(32)', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('run_id', 'varchar(256)')
        .addColumn('run_link', 'text')
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(32)', (c) => c.notNull())
        .addColumn('status_message', 'text')
        .addColumn('signature', 'text')
        .addColumn('metrics', 'text', (c) => c.notNull())
        .addColumn('files', 'text', (c) => c.notNull())
        .addColumn('storage_prefix', 'varchar(600)')
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'varchar(256)')
        .addPrimaryKeyConstraint('registry_versions_pk', ['model', 'version'])
        .execute()
      await db.schema
        .createIndex('registry_versions_run')
        .on('registry_versions')
        .columns(['run_id'])
        .execute()
      await db.schema
        .createTable('registry_version_tags')
        .addColumn('model', 'varchar(256)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('registry_version_tags_pk', ['model', 'version', 'key'])
        .addForeignKeyConstraint(
          'registry_version_tags_version_fk',
          ['model', 'version'],
          'registry_versions',
          ['model', 'version'],
          (fk) => fk.onDelete('cascade'),
        )
        .execute()
      await db.schema
        .createTable('registry_aliases')
        .addColumn('model', 'varchar(256)', (c) => c.notNull())
        .addColumn('alias', 'varchar(255)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'varchar(256)')
        .addPrimaryKeyConstraint('registry_aliases_pk', ['model', 'alias'])
        .addForeignKeyConstraint(
          'registry_aliases_version_fk',
          ['model', 'version'],
          'registry_versions',
          ['model', 'version'],
          (fk) => fk.onDelete('cascade'),
        )
        .execute()
      await db.schema
        .createTable('registry_alias_events')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('model', 'varchar(256)', (c) => c.notNull())
        .addColumn('alias', 'varchar(255)', (c) => c.notNull())
        .addColumn('from_version', 'integer')
        .addColumn('to_version', 'integer')
        .addColumn('actor', 'varchar(256)')
        .addColumn('reason', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('registry_alias_events_model')
        .on('registry_alias_events')
        .columns(['model', 'alias', 'id'])
        .execute()
    },
  },
  {
    // MLflow's model-version stages (deprecated upstream, still called by much CI/CD code).
    id: 'registry/002-stages',
    up: async (db) => {
      await db.schema
        .alterTable('registry_versions')
        .addColumn('stage', 'varchar(32)', (c) => c.notNull().defaultTo('None'))
        .execute()
    },
  },
]
