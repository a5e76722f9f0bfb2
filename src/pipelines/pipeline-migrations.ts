import type { Migration } from '../db/index.js'

/**
 * Tables of the pipeline engine. A run and each of its steps has a row whose `status` any
 * process can read, so a run survives its coordinator; `pipeline_cache` maps a step's cache
 * key to the content address of the output it produced. Times are epoch-ms `bigint`; JSON is
 * text.
 */
export type PipelineTables = {
  pipeline_runs: {
    run_id: string
    pipeline: string
    status: string
    /** The run's params (defaults merged with the given values), JSON. */
    params: string
    /** Dataset refs resolved when the run was planned (`{ "step.input": commit }`), JSON. */
    resolved: string
    no_cache: number
    user_id: string
    created_at: number
    started_at: number | null
    ended_at: number | null
    /** Last sign of life of the coordinator driving it (a stale one can be resumed). */
    heartbeat_at: number | null
    error: string | null
    /** A label for people (default `<pipeline>-<run id>`); searchable as `run_name`. */
    run_name: string
  }
  pipeline_run_tags: { run_id: string; key: string; value: string }
  /** One row per trigger firing: its primary key makes a firing happen once across schedulers. */
  pipeline_trigger_fires: {
    pipeline: string
    trigger_id: string
    fire_key: string
    run_id: string
    fired_at: number
  }
  pipeline_step_runs: {
    run_id: string
    step: string
    status: string
    attempt: number
    cache_key: string | null
    /** sha256 of the step's output JSON (in `pipeline_outputs`, or the blob `pipelines/outputs/<hash>.json`). */
    output_hash: string | null
    cached: number
    started_at: number | null
    ended_at: number | null
    error: string | null
    /** For a step mapped over datums with a dataset output: the commit its outputs were written as. */
    output_commit: string | null
  }
  /**
   * One row per element of a mapped step (fan-out): its own state, attempts, cache key and
   * output; the step's own row in `pipeline_step_runs` is the group.
   */
  pipeline_map_elements: {
    run_id: string
    step: string
    /** Position in the mapped list (datums sorted by path). */
    idx: number
    /** For people: the index, or the datum's path. */
    item_key: string
    /** The item's content address (`datum:<hash>` or `value:<sha256>`): what its cache key covers. */
    address: string
    status: string
    attempt: number
    cache_key: string | null
    output_hash: string | null
    cached: number
    started_at: number | null
    ended_at: number | null
    error: string | null
  }
  pipeline_cache: {
    cache_key: string
    pipeline: string
    step: string
    code_hash: string
    params_hash: string
    inputs_hash: string
    output_hash: string
    run_id: string
    created_at: number
  }
  /**
   * Small step outputs (canonical JSON up to `INLINE_OUTPUT_BYTES`), by content hash: written in
   * the transaction that publishes the step, instead of a blob. Larger outputs are blobs.
   */
  pipeline_outputs: {
    output_hash: string
    value: string
    created_at: number
  }
}

const ID = 'varchar(64)'
const NAME = 'varchar(100)'
const HASH = 'varchar(64)'

/** Migrations owned by the pipelines module. */
export const pipelineMigrations: Migration[] = [
  {
    id: 'pipelines/001-init',
    up: async (db) => {
      await db.schema
        .createTable('pipeline_runs')
        .addColumn('run_id', ID, (c) => c.primaryKey())
        .addColumn('pipeline', NAME, (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('resolved', 'text', (c) => c.notNull())
        .addColumn('no_cache', 'integer', (c) => c.notNull())
        .addColumn('user_id', 'varchar(256)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('heartbeat_at', 'bigint')
        .addColumn('error', 'text')
        .execute()
      await db.schema
        .createIndex('pipeline_runs_pipeline')
        .on('pipeline_runs')
        .columns(['pipeline', 'created_at'])
        .execute()
      await db.schema
        .createTable('pipeline_step_runs')
        .addColumn('run_id', ID, (c) => c.notNull().references('pipeline_runs.run_id'))
        .addColumn('step', NAME, (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('cache_key', HASH)
        .addColumn('output_hash', HASH)
        .addColumn('cached', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('error', 'text')
        .addPrimaryKeyConstraint('pipeline_step_runs_pk', ['run_id', 'step'] as never)
        .execute()
      await db.schema
        .createTable('pipeline_cache')
        .addColumn('cache_key', HASH, (c) => c.primaryKey())
        .addColumn('pipeline', NAME, (c) => c.notNull())
        .addColumn('step', NAME, (c) => c.notNull())
        .addColumn('code_hash', HASH, (c) => c.notNull())
        .addColumn('params_hash', HASH, (c) => c.notNull())
        .addColumn('inputs_hash', HASH, (c) => c.notNull())
        .addColumn('output_hash', HASH, (c) => c.notNull())
        .addColumn('run_id', ID, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('pipeline_cache_step')
        .on('pipeline_cache')
        .columns(['pipeline', 'step', 'created_at'])
        .execute()
    },
  },
  {
    id: 'pipelines/002-run-names-tags',
    up: async (db) => {
      await db.schema
        .alterTable('pipeline_runs')
        .addColumn('run_name', 'varchar(500)', (c) => c.notNull().defaultTo(''))
        .execute()
      await db.schema
        .createTable('pipeline_run_tags')
        .addColumn('run_id', ID, (c) => c.notNull().references('pipeline_runs.run_id'))
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('pipeline_run_tags_pk', ['run_id', 'key'] as never)
        .execute()
      await db.schema
        .createIndex('pipeline_run_tags_key')
        .on('pipeline_run_tags')
        .columns(['key', 'value'])
        .execute()
    },
  },
  {
    id: 'pipelines/003-trigger-fires',
    up: async (db) => {
      await db.schema
        .createTable('pipeline_trigger_fires')
        .addColumn('pipeline', NAME, (c) => c.notNull())
        .addColumn('trigger_id', 'varchar(300)', (c) => c.notNull())
        .addColumn('fire_key', 'varchar(100)', (c) => c.notNull())
        .addColumn('run_id', ID, (c) => c.notNull())
        .addColumn('fired_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('pipeline_trigger_fires_pk', ['pipeline', 'trigger_id', 'fire_key'] as never)
        .execute()
      await db.schema
        .createIndex('pipeline_trigger_fires_time')
        .on('pipeline_trigger_fires')
        .columns(['pipeline', 'trigger_id', 'fired_at'])
        .execute()
    },
  },
  {
    id: 'pipelines/004-map-elements',
    up: async (db) => {
      await db.schema.alterTable('pipeline_step_runs').addColumn('output_commit', HASH).execute()
      await db.schema
        .createTable('pipeline_map_elements')
        .addColumn('run_id', ID, (c) => c.notNull().references('pipeline_runs.run_id'))
        .addColumn('step', NAME, (c) => c.notNull())
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('item_key', 'text', (c) => c.notNull())
        .addColumn('address', 'varchar(80)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('cache_key', HASH)
        .addColumn('output_hash', HASH)
        .addColumn('cached', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('error', 'text')
        .addPrimaryKeyConstraint('pipeline_map_elements_pk', ['run_id', 'step', 'idx'] as never)
        .execute()
    },
  },
  {
    id: 'pipelines/005-inline-outputs',
    up: async (db) => {
      await db.schema
        .createTable('pipeline_outputs')
        .addColumn('output_hash', HASH, (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute()
    },
  },
]
