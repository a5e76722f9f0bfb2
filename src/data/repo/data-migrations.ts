import type { Migration } from '../../db/index.js'

/** Tables of the versioned-dataset module. Timestamps are epoch ms; JSON is stored as text. */
export type DataTables = {
  data_datasets: {
    name: string
    description: string
    /** Declared schema as JSON, or null. */
    schema: string | null
    default_branch: string
    created_at: number
  }
  data_refs: {
    dataset: string
    name: string
    kind: 'branch' | 'tag'
    commit_id: string | null
    created_at: number
    updated_at: number
  }
  data_commits: {
    id: string
    dataset: string
    tree: string
    /** JSON array of parent ids, first parent first. */
    parents: string
    author: string
    message: string
    created_at: number
    /** JSON object of string values. */
    metadata: string
    /** JSON of the commit's stats. */
    stats: string
  }
  /** Who is writing objects right now: gc never sweeps while a live commit lease exists. */
  data_leases: {
    id: string
    kind: 'commit' | 'gc'
    holder: string
    started_at: number
    expires_at: number
  }
}

/** Migrations owned by the versioned-dataset module. */
export const dataMigrations: Migration[] = [
  {
    id: 'data/001-init',
    up: async (db) => {
      await db.schema
        .createTable('data_datasets')
        .addColumn('name', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('schema', 'text')
        .addColumn('default_branch', 'varchar(200)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('data_refs')
        .addColumn('dataset', 'varchar(128)', (c) => c.notNull().references('data_datasets.name'))
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('commit_id', 'varchar(64)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('data_refs_pk', ['dataset', 'name'])
        .execute()
      await db.schema
        .createTable('data_commits')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('dataset', 'varchar(128)', (c) => c.notNull().references('data_datasets.name'))
        .addColumn('tree', 'varchar(64)', (c) => c.notNull())
        .addColumn('parents', 'text', (c) => c.notNull())
        .addColumn('author', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('stats', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('data_commits_dataset_time')
        .on('data_commits')
        .columns(['dataset', 'created_at'])
        .execute()
      await db.schema
        .createTable('data_leases')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute()
    },
  },
]
