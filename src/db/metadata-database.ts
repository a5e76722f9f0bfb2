import type { Kysely } from 'kysely'

/** The SQL dialect behind the metadata database. Queries must behave the same on both. */
export type MetadataDialect = 'sqlite' | 'postgres'

/**
 * An open metadata database: one Kysely instance over SQLite (embedded) or Postgres (shared).
 * Domains add their own table types with `db.withTables<MyTables>()`.
 */
export interface MetadataDatabase {
  readonly dialect: MetadataDialect
  /** Kysely handle; `object` stands for "tables declared by the domains". */
  readonly db: Kysely<object>
  /** The URI it was opened from, password redacted. */
  readonly url: string
  /**
   * True when the database could only be opened for reading (a read-only copy or mount):
   * reads work, pending migrations and writes are refused with `FAILED_PRECONDITION`.
   */
  readonly readOnly: boolean
  /** Server/library version string, for `strata doctor`. */
  version(): Promise<string>
  close(): Promise<void>
}
