import { sql } from 'kysely'
import type { Migration } from '../db/index.js'

/** Tables of access control. */
export type AccessTables = {
  access_tokens: {
    id: string
    name: string
    principal: string
    scopes: string
    secret_sha256: string
    created_at: number
    created_by: string
    revoked_at: number | null
    revoked_by: string | null
  }
}

/** Migrations owned by the access module. */
export const accessMigrations: Migration[] = [
  {
    id: 'access/001-tokens',
    up: async (db) => {
      await db.schema
        .createTable('access_tokens')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('principal', 'varchar(200)', (c) => c.notNull())
        .addColumn('scopes', 'varchar(500)', (c) => c.notNull())
        .addColumn('secret_sha256', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'varchar(200)', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('revoked_by', 'varchar(200)')
        .execute()
      // One active token per name; a revoked token keeps its row (and name) for the record.
      await db.schema
        .createIndex('access_tokens_active_name')
        .on('access_tokens')
        .column('name')
        .unique()
        .where(sql.ref('revoked_at'), 'is', null)
        .execute()
    },
  },
]
