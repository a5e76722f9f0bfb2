import type { Kysely, Transaction } from 'kysely'

/**
 * Runs `fn` in a transaction that writes — the one way Strata opens a transaction on the
 * metadata database (a test keeps `.transaction()` out of the rest of `src/`). It commits when
 * `fn` resolves and rolls back when it throws.
 *
 * Why one function:
 * - **SQLite** (opened by {@link openMetadataDatabase}) starts it with `BEGIN IMMEDIATE`: the
 *   database's single write lock is taken before the first statement, waiting up to the busy
 *   timeout. A plain (deferred) `BEGIN` reads first and upgrades to a writer later; in WAL mode
 *   that upgrade fails at once with `SQLITE_BUSY` (no waiting) whenever another process wrote
 *   in between, so read-check-then-write transactions would fail under concurrency. Writers
 *   therefore run one at a time across processes, and everything `fn` reads is current.
 * - **Postgres** runs it as `START TRANSACTION READ WRITE` at the server's default isolation
 *   (READ COMMITTED). Writers serialize on the rows they change: an `UPDATE` locks its rows until
 *   commit. A transaction that reads, decides and then writes must first change (lock) the row
 *   its decision depends on — e.g. bump the parent's `updated_at` or increment a counter row —
 *   or rely on a unique constraint, which turns the losing writer's insert into
 *   `ALREADY_EXISTS`. (SQLite needs no such step; doing it anyway keeps both dialects equal.)
 *
 * @example
 * await writeTransaction(db, async (trx) => {
 *   const row = await trx.updateTable('counters').set((eb) => ({ n: eb('n', '+', 1) })).returning('n').executeTakeFirstOrThrow()
 *   await trx.insertInto('items').values({ id: row.n }).execute()
 * })
 */
export function writeTransaction<DB, T>(
  db: Kysely<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  return db.transaction().setAccessMode('read write').execute(fn)
}
