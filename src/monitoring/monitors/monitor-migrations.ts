import type { Migration } from '../../db/index.js'
import { loopMigrations } from '../loop/loop-migrations.js'

/**
 * Tables of monitoring. `monitoring_monitors` holds applied monitor definitions;
 * `monitoring_results` is the time series of window results (one row per monitor and window
 * start, replaced when a window is re-run); `monitoring_incidents` dedupes alerts: an incident
 * opens on the first alerting window and closes on the first healthy one, and its actions run
 * once (`notified_at` set after they ran). Times are epoch-ms `bigint`; JSON is text.
 */
export type MonitoringTables = {
  monitoring_monitors: { name: string; spec: string; applied_at: number; applied_by: string }
  monitoring_results: {
    id: string
    monitor: string
    window_start: number
    window_end: number
    model: string
    reference_version: number
    status: string
    rows: number
    tested: number
    drifted: number
    dataset_drift: number
    quality_failed: number
    incident_id: string | null
    report: string
    created_at: number
  }
  monitoring_incidents: {
    id: string
    monitor: string
    opened_at: number
    closed_at: number | null
    first_window_start: number
    last_window_end: number
    windows: number
    notified_at: number | null
    actions: string
  }
}

/** Migrations owned by monitoring. */
export const monitoringMigrations: Migration[] = [
  {
    id: 'monitoring/001-init',
    up: async (db) => {
      await db.schema
        .createTable('monitoring_monitors')
        .addColumn('name', 'varchar(100)', (c) => c.primaryKey())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('applied_at', 'bigint', (c) => c.notNull())
        .addColumn('applied_by', 'varchar(256)', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('monitoring_results')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('monitor', 'varchar(100)', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('window_end', 'bigint', (c) => c.notNull())
        .addColumn('model', 'varchar(256)', (c) => c.notNull())
        .addColumn('reference_version', 'integer', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('rows', 'integer', (c) => c.notNull())
        .addColumn('tested', 'integer', (c) => c.notNull())
        .addColumn('drifted', 'integer', (c) => c.notNull())
        .addColumn('dataset_drift', 'integer', (c) => c.notNull())
        .addColumn('quality_failed', 'integer', (c) => c.notNull())
        .addColumn('incident_id', 'varchar(64)')
        .addColumn('report', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('monitoring_results_window', ['monitor', 'window_start'] as never)
        .execute()
      await db.schema
        .createTable('monitoring_incidents')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('monitor', 'varchar(100)', (c) => c.notNull())
        .addColumn('opened_at', 'bigint', (c) => c.notNull())
        .addColumn('closed_at', 'bigint')
        .addColumn('first_window_start', 'bigint', (c) => c.notNull())
        .addColumn('last_window_end', 'bigint', (c) => c.notNull())
        .addColumn('windows', 'integer', (c) => c.notNull())
        .addColumn('notified_at', 'bigint')
        .addColumn('actions', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('monitoring_incidents_open')
        .on('monitoring_incidents')
        .columns(['monitor', 'closed_at'])
        .execute()
    },
  },
  ...loopMigrations,
]
