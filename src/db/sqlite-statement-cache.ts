import type { Database, Statement } from 'better-sqlite3'
import type { SqliteDatabase } from 'kysely'

/** How many prepared statements one SQLite database keeps (least recently used are dropped). */
export const SQLITE_STATEMENT_CACHE_SIZE = 500

/**
 * The SQLite database as Kysely's driver sees it, except that `prepare` returns a cached
 * statement for SQL text it has prepared before: compiling a statement costs more than running
 * a small one (a 1,000-row insert takes ~1 ms to prepare), and Kysely prepares on every query.
 * Safe because Kysely's SQLite driver runs one query at a time on its single connection (a
 * mutex), so a statement is never used twice at once; SQLite re-prepares a cached statement by
 * itself when the schema changes.
 */
export function cachingSqliteDatabase(
  database: Database,
  size = SQLITE_STATEMENT_CACHE_SIZE,
): SqliteDatabase {
  const statements = new Map<string, Statement>()
  return {
    close: () => {
      statements.clear()
      database.close()
    },
    prepare: (sql: string) => {
      let statement = statements.get(sql)
      if (statement === undefined) {
        statement = database.prepare(sql)
        if (statements.size >= size) {
          const oldest = statements.keys().next().value
          if (oldest !== undefined) statements.delete(oldest)
        }
      } else statements.delete(sql)
      statements.set(sql, statement)
      return statement
    },
  }
}
