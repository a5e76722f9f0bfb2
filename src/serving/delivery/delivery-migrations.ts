import type { Generated } from 'kysely'
import type { Migration } from '../../db/index.js'

/**
 * Tables of progressive delivery. An endpoint row points at its current immutable revision
 * (its traffic policy, with who, when and why); `revision` is the compare-and-set token every
 * change goes through, so two replicas never both apply a decision. Decisions keep their
 * evidence; samples are each replica's per-version serving statistics for one revision, flushed
 * every tick, which the guards aggregate. Times are epoch ms; JSON columns are text.
 */
export type DeliveryTables = {
  delivery_endpoints: {
    name: string
    model: string
    revision: number
    status: string
    /** When the current step is next evaluated (null: not progressing). */
    evaluate_at: number | null
    updated_at: number
  }
  delivery_revisions: {
    endpoint: string
    revision: number
    /** JSON `DeploymentPolicy`. */
    policy: string
    action: string
    actor: string
    reason: string | null
    created_at: number
  }
  delivery_decisions: {
    id: Generated<number>
    endpoint: string
    revision: number
    action: string
    reason: string
    /** JSON `DecisionEvidence` (empty object for manual actions). */
    evidence: string
    actor: string
    at: number
  }
  delivery_samples: {
    id: Generated<number>
    endpoint: string
    revision: number
    version: number
    /** `champion` or `candidate`. */
    role: string
    replica: string
    /** JSON `VersionStats`. */
    stats: string
    at: number
  }
}

/** Migrations owned by progressive delivery. */
export const deliveryMigrations: Migration[] = [
  {
    id: 'delivery/001-init',
    up: async (db, dialect) => {
      const serial = (name: string) =>
        db.schema
          .createTable(name)
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
      await db.schema
        .createTable('delivery_endpoints')
        .addColumn('name', 'varchar(256)', (c) => c.primaryKey())
        .addColumn('model', 'varchar(256)', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('status', 'varchar(32)', (c) => c.notNull())
        .addColumn('evaluate_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('delivery_revisions')
        .addColumn('endpoint', 'varchar(256)', (c) =>
          c.notNull().references('delivery_endpoints.name').onDelete('cascade'),
        )
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('action', 'varchar(32)', (c) => c.notNull())
        .addColumn('actor', 'varchar(256)', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('delivery_revisions_pk', ['endpoint', 'revision'])
        .execute()
      await serial('delivery_decisions')
        .addColumn('endpoint', 'varchar(256)', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('action', 'varchar(32)', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('actor', 'varchar(256)', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('delivery_decisions_endpoint')
        .on('delivery_decisions')
        .columns(['endpoint', 'id'])
        .execute()
      await serial('delivery_samples')
        .addColumn('endpoint', 'varchar(256)', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('replica', 'varchar(128)', (c) => c.notNull())
        .addColumn('stats', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('delivery_samples_revision')
        .on('delivery_samples')
        .columns(['endpoint', 'revision'])
        .execute()
    },
  },
]
