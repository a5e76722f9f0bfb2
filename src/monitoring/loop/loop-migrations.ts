import type { Migration } from '../../db/index.js'

/**
 * Tables of the closed loop and of scheduled monitor runs. `monitoring_loops`: one row per
 * incident that had a `retrain` action (`incident_id` unique: never two loops for one
 * incident); `active_deployment` holds the deployment while the loop is in flight and is null
 * once it ended, and is unique, so two loops are never in flight on one deployment — across
 * every process sharing the database. `monitoring_schedule_fires`: one row per monitor and
 * scheduled minute, inserted before the run, so a scheduled window runs once across servers
 * (the pipeline scheduler's firing key, for monitors); since `monitoring/004-fire-leases` the row
 * is a lease: `owner` holds it until `lease_until` (renewed while the run lasts), `done_at` is set
 * when the run ended (`outcome` ok, error or abandoned), and a lease that expired with the run
 * unfinished (its server was killed) is taken over by another server (`attempts` counts the
 * claims). Times are epoch-ms `bigint`; JSON is text.
 */
export type LoopTables = {
  monitoring_loops: {
    id: string
    monitor: string
    incident_id: string
    deployment: string
    active_deployment: string | null
    model: string
    pipeline: string
    state: string
    run_id: string | null
    version: number | null
    metrics: string
    revision: number | null
    reason: string | null
    action: string
    window_start: string
    window_end: string
    events: string
    created_at: number
    updated_at: number
    ended_at: number | null
  }
  monitoring_schedule_fires: {
    monitor: string
    fire_key: string
    fired_at: number
    owner: string | null
    lease_until: number | null
    attempts: number
    done_at: number | null
    outcome: string | null
  }
}

/** The loop's migration (appended to the monitoring migrations). */
export const loopMigrations: Migration[] = [
  {
    id: 'monitoring/003-loops',
    up: async (db) => {
      await db.schema
        .createTable('monitoring_loops')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('monitor', 'varchar(100)', (c) => c.notNull())
        .addColumn('incident_id', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('deployment', 'varchar(128)', (c) => c.notNull())
        .addColumn('active_deployment', 'varchar(128)', (c) => c.unique())
        .addColumn('model', 'varchar(256)', (c) => c.notNull())
        .addColumn('pipeline', 'varchar(256)', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('run_id', 'varchar(64)')
        .addColumn('version', 'integer')
        .addColumn('metrics', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer')
        .addColumn('reason', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('window_start', 'varchar(32)', (c) => c.notNull())
        .addColumn('window_end', 'varchar(32)', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .execute()
      await db.schema
        .createIndex('monitoring_loops_deployment')
        .on('monitoring_loops')
        .columns(['deployment', 'created_at'])
        .execute()
      await db.schema
        .createIndex('monitoring_loops_monitor')
        .on('monitoring_loops')
        .columns(['monitor', 'created_at'])
        .execute()
      await db.schema
        .createTable('monitoring_schedule_fires')
        .addColumn('monitor', 'varchar(100)', (c) => c.notNull())
        .addColumn('fire_key', 'varchar(64)', (c) => c.notNull())
        .addColumn('fired_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('monitoring_schedule_fires_pk', ['monitor', 'fire_key'] as never)
        .execute()
    },
  },
  {
    id: 'monitoring/004-fire-leases',
    up: async (db) => {
      for (const [name, type] of [
        ['owner', 'varchar(64)'],
        ['lease_until', 'bigint'],
        ['done_at', 'bigint'],
        ['outcome', 'varchar(16)'],
      ] as const) {
        await db.schema.alterTable('monitoring_schedule_fires').addColumn(name, type).execute()
      }
      await db.schema
        .alterTable('monitoring_schedule_fires')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1))
        .execute()
      // Minutes fired before leases existed: their runs are over (or were cut off for good).
      await db
        .withTables<{
          monitoring_schedule_fires: { fired_at: number; done_at: number | null; outcome: string | null }
        }>()
        .updateTable('monitoring_schedule_fires')
        .set((eb) => ({ done_at: eb.ref('fired_at'), outcome: 'ok' }))
        .execute()
      await db.schema
        .createIndex('monitoring_schedule_fires_open')
        .on('monitoring_schedule_fires')
        .columns(['done_at', 'lease_until'])
        .execute()
    },
  },
]
