import { type Kysely, sql } from 'kysely'
import type { Migration } from '../db/index.js'
import { DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME } from './tracking-types.js'

/**
 * Tables of experiment tracking. Timestamps are epoch-ms `bigint`; booleans are 0/1 integers
 * (SQLite cannot bind booleans); a NaN metric is stored as value 0 with `is_nan = 1`, because
 * SQLite turns NaN into NULL.
 */
export type TrackingTables = {
  tracking_sequences: { name: string; value: number }
  tracking_experiments: {
    experiment_id: string
    name: string
    artifact_location: string
    lifecycle_stage: string
    creation_time: number
    last_update_time: number
  }
  tracking_experiment_tags: { experiment_id: string; key: string; value: string }
  tracking_runs: {
    run_id: string
    experiment_id: string
    run_name: string
    user_id: string
    status: string
    start_time: number
    end_time: number | null
    artifact_uri: string
    lifecycle_stage: string
    deleted_time: number | null
    /** 1 when the run was deleted by deleting its experiment (restored with it). */
    deleted_with_experiment: number
  }
  tracking_params: { run_id: string; key: string; value: string }
  tracking_tags: { run_id: string; key: string; value: string }
  tracking_metrics: MetricRow & { run_id: string }
  tracking_latest_metrics: MetricRow & { run_id: string }
  tracking_metric_buckets: {
    run_id: string
    key: string
    width: number
    bucket: number
    min_step: number
    min_ts: number
    min_value: number
    max_step: number
    max_ts: number
    max_value: number
  }
  tracking_datasets: {
    dataset_id: string
    experiment_id: string
    name: string
    digest: string
    source_type: string
    source: string
    dataset_schema: string | null
    dataset_profile: string | null
  }
  tracking_run_inputs: { run_id: string; dataset_id: string; context: string | null; tags: string }
  tracking_run_models: { run_id: string; model_id: string; direction: string; step: number | null }
  tracking_logged_models: {
    model_id: string
    experiment_id: string
    name: string
    model_type: string | null
    source_run_id: string | null
    status: string
    status_message: string | null
    artifact_uri: string
    creation_time: number
    last_updated_time: number
    lifecycle_stage: string
  }
  tracking_logged_model_params: { model_id: string; key: string; value: string }
  tracking_logged_model_tags: { model_id: string; key: string; value: string }
  tracking_logged_model_metrics: MetricRow & {
    model_id: string
    run_id: string | null
    dataset_name: string | null
    dataset_digest: string | null
  }
}

/** Columns every stored metric value has. */
export type MetricRow = { key: string; value: number; ts: number; step: number; is_nan: number }

const KEY = 'varchar(250)'
const ID = 'varchar(64)'

async function createKeyValueTable(
  db: Kysely<object>,
  table: string,
  owner: string,
  references: string,
): Promise<void> {
  await db.schema
    .createTable(table)
    .addColumn(owner, ID, (c) => c.notNull().references(references))
    .addColumn('key', KEY, (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${table}_pk`, [owner, 'key'] as never)
    .execute()
}

/** Migrations owned by the tracking module. */
export const trackingMigrations: Migration[] = [
  {
    id: 'tracking/001-init',
    up: async (db) => {
      await db.schema
        .createTable('tracking_sequences')
        .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('tracking_experiments')
        .addColumn('experiment_id', ID, (c) => c.primaryKey())
        .addColumn('name', 'varchar(500)', (c) => c.notNull().unique())
        .addColumn('artifact_location', 'text', (c) => c.notNull())
        .addColumn('lifecycle_stage', 'varchar(16)', (c) => c.notNull())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_update_time', 'bigint', (c) => c.notNull())
        .execute()
      await createKeyValueTable(
        db,
        'tracking_experiment_tags',
        'experiment_id',
        'tracking_experiments.experiment_id',
      )
      await db.schema
        .createTable('tracking_runs')
        .addColumn('run_id', ID, (c) => c.primaryKey())
        .addColumn('experiment_id', ID, (c) => c.notNull().references('tracking_experiments.experiment_id'))
        .addColumn('run_name', 'varchar(500)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(256)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('start_time', 'bigint', (c) => c.notNull())
        .addColumn('end_time', 'bigint')
        .addColumn('artifact_uri', 'text', (c) => c.notNull())
        .addColumn('lifecycle_stage', 'varchar(16)', (c) => c.notNull())
        .addColumn('deleted_time', 'bigint')
        .addColumn('deleted_with_experiment', 'integer', (c) => c.notNull().defaultTo(0))
        .execute()
      await db.schema
        .createIndex('tracking_runs_experiment')
        .on('tracking_runs')
        .columns(['experiment_id', 'lifecycle_stage', 'start_time'])
        .execute()
      await createKeyValueTable(db, 'tracking_params', 'run_id', 'tracking_runs.run_id')
      await createKeyValueTable(db, 'tracking_tags', 'run_id', 'tracking_runs.run_id')
      await db.schema.createIndex('tracking_tags_key').on('tracking_tags').columns(['key', 'value']).execute()
      for (const table of ['tracking_metrics', 'tracking_latest_metrics'] as const) {
        const latest = table === 'tracking_latest_metrics'
        await db.schema
          .createTable(table)
          .addColumn('run_id', ID, (c) => c.notNull().references('tracking_runs.run_id'))
          .addColumn('key', KEY, (c) => c.notNull())
          .addColumn('value', 'double precision', (c) => c.notNull())
          .addColumn('ts', 'bigint', (c) => c.notNull())
          .addColumn('step', 'bigint', (c) => c.notNull())
          .addColumn('is_nan', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint(
            `${table}_pk`,
            (latest ? ['run_id', 'key'] : ['run_id', 'key', 'step', 'ts', 'value', 'is_nan']) as never,
          )
          .execute()
      }
      await db.schema
        .createIndex('tracking_latest_metrics_key')
        .on('tracking_latest_metrics')
        .columns(['key', 'value'])
        .execute()
      await createInputTables(db)
      await createLoggedModelTables(db)
      const now = Date.now()
      await db
        .withTables<TrackingTables>()
        .insertInto('tracking_sequences')
        .values({ name: 'experiment', value: Number(DEFAULT_EXPERIMENT_ID) })
        .execute()
      await db
        .withTables<TrackingTables>()
        .insertInto('tracking_experiments')
        .values({
          experiment_id: DEFAULT_EXPERIMENT_ID,
          name: DEFAULT_EXPERIMENT_NAME,
          artifact_location: `mlflow-artifacts:/${DEFAULT_EXPERIMENT_ID}`,
          lifecycle_stage: 'active',
          creation_time: now,
          last_update_time: now,
        })
        .execute()
    },
  },
  {
    // Indexes for searches at scale (100k runs): ordered walks of a key's values, and covering
    // lookups of a run's scope and of one latest metric, so a search reads no table rows.
    id: 'tracking/002-search-indexes',
    up: async (db, dialect) => {
      const statements = [
        'drop index tracking_latest_metrics_key',
        'create index tracking_latest_metrics_order on tracking_latest_metrics (key, is_nan, value, run_id)',
        'create index tracking_latest_metrics_run on tracking_latest_metrics (run_id, key, is_nan, value)',
        'create index tracking_runs_scope on tracking_runs (run_id, experiment_id, lifecycle_stage, start_time)',
      ]
      // Param and tag values in byte order. Not on Postgres: a B-tree entry there holds at most
      // ~2.7 kB, and values may be longer (params 6,000 characters), so Postgres sorts them.
      if (dialect === 'sqlite') {
        statements.push(
          'create index tracking_params_order on tracking_params (key, value, run_id)',
          'drop index tracking_tags_key',
          'create index tracking_tags_order on tracking_tags (key, value, run_id)',
        )
      }
      for (const statement of statements) await sql.raw(statement).execute(db)
    },
  },
  {
    // Per-bucket extremes of each metric's history, for downsampled charts (metric-buckets.ts).
    id: 'tracking/003-metric-buckets',
    up: async (db) => {
      await db.schema
        .createTable('tracking_metric_buckets')
        .addColumn('run_id', ID, (c) => c.notNull().references('tracking_runs.run_id'))
        .addColumn('key', KEY, (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('bucket', 'bigint', (c) => c.notNull())
        .addColumn('min_step', 'bigint', (c) => c.notNull())
        .addColumn('min_ts', 'bigint', (c) => c.notNull())
        .addColumn('min_value', 'double precision', (c) => c.notNull())
        .addColumn('max_step', 'bigint', (c) => c.notNull())
        .addColumn('max_ts', 'bigint', (c) => c.notNull())
        .addColumn('max_value', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('tracking_metric_buckets_pk', ['run_id', 'key', 'width', 'bucket'] as never)
        .execute()
      // Existing histories: the extremes of each bucket, earliest point on ties (as the writes).
      for (const width of [32, 1024]) {
        const bucket = `((step - ((step % ${width}) + ${width}) % ${width}) / ${width})`
        await sql
          .raw(
            `insert into tracking_metric_buckets (run_id, key, width, bucket, min_step, min_ts, min_value, max_step, max_ts, max_value)
             with v as (
               select run_id, key, step, ts, value, ${bucket} as b,
                 row_number() over (partition by run_id, key, ${bucket} order by value asc, step asc, ts asc) as lo,
                 row_number() over (partition by run_id, key, ${bucket} order by value desc, step asc, ts asc) as hi
               from tracking_metrics where is_nan = 0)
             select a.run_id, a.key, ${width}, a.b, a.step, a.ts, a.value, z.step, z.ts, z.value
             from v a join v z on z.run_id = a.run_id and z.key = a.key and z.b = a.b and z.hi = 1
             where a.lo = 1`,
          )
          .execute(db)
      }
    },
  },
]

async function createInputTables(db: Kysely<object>): Promise<void> {
  await db.schema
    .createTable('tracking_datasets')
    .addColumn('dataset_id', ID, (c) => c.primaryKey())
    .addColumn('experiment_id', ID, (c) => c.notNull().references('tracking_experiments.experiment_id'))
    // 512: a lineage node id (kind:key) can be the name of a Strata input.
    .addColumn('name', 'varchar(512)', (c) => c.notNull())
    .addColumn('digest', 'varchar(64)', (c) => c.notNull())
    .addColumn('source_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('dataset_schema', 'text')
    .addColumn('dataset_profile', 'text')
    .addUniqueConstraint('tracking_datasets_name_digest', ['experiment_id', 'name', 'digest'] as never)
    .execute()
  await db.schema
    .createTable('tracking_run_inputs')
    .addColumn('run_id', ID, (c) => c.notNull().references('tracking_runs.run_id'))
    .addColumn('dataset_id', ID, (c) => c.notNull().references('tracking_datasets.dataset_id'))
    .addColumn('context', 'varchar(500)')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('tracking_run_inputs_pk', ['run_id', 'dataset_id'] as never)
    .execute()
  await db.schema
    .createTable('tracking_run_models')
    .addColumn('run_id', ID, (c) => c.notNull().references('tracking_runs.run_id'))
    .addColumn('model_id', ID, (c) => c.notNull())
    .addColumn('direction', 'varchar(8)', (c) => c.notNull())
    .addColumn('step', 'bigint')
    .addPrimaryKeyConstraint('tracking_run_models_pk', ['run_id', 'model_id', 'direction'] as never)
    .execute()
}

async function createLoggedModelTables(db: Kysely<object>): Promise<void> {
  await db.schema
    .createTable('tracking_logged_models')
    .addColumn('model_id', ID, (c) => c.primaryKey())
    .addColumn('experiment_id', ID, (c) => c.notNull().references('tracking_experiments.experiment_id'))
    .addColumn('name', 'varchar(500)', (c) => c.notNull())
    .addColumn('model_type', 'varchar(500)')
    .addColumn('source_run_id', ID)
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('status_message', 'text')
    .addColumn('artifact_uri', 'text', (c) => c.notNull())
    .addColumn('creation_time', 'bigint', (c) => c.notNull())
    .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
    .addColumn('lifecycle_stage', 'varchar(16)', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('tracking_logged_models_experiment')
    .on('tracking_logged_models')
    .columns(['experiment_id', 'creation_time'])
    .execute()
  await createKeyValueTable(db, 'tracking_logged_model_params', 'model_id', 'tracking_logged_models.model_id')
  await createKeyValueTable(db, 'tracking_logged_model_tags', 'model_id', 'tracking_logged_models.model_id')
  await db.schema
    .createTable('tracking_logged_model_metrics')
    .addColumn('model_id', ID, (c) => c.notNull().references('tracking_logged_models.model_id'))
    .addColumn('key', KEY, (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull())
    .addColumn('is_nan', 'integer', (c) => c.notNull())
    .addColumn('run_id', ID)
    .addColumn('dataset_name', 'varchar(500)')
    .addColumn('dataset_digest', 'varchar(64)')
    .execute()
  await db.schema
    .createIndex('tracking_logged_model_metrics_model')
    .on('tracking_logged_model_metrics')
    .columns(['model_id', 'key', 'step'])
    .execute()
}
