import { statSync } from 'node:fs'
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type TransactionSettings,
} from 'kysely'
import { StrataError } from '../core/errors.js'

/** The database file a {@link SqliteWriteDialect} writes, to notice it vanishing while open. */
export interface SqliteFileIdentity {
  /** Absolute path of the database file. */
  path: string
  /** Its inode when opened. */
  ino: number
}

/**
 * Kysely's SQLite driver, except that:
 * - a transaction asking for `read write` access (as {@link writeTransaction} does) begins with
 *   `BEGIN IMMEDIATE`, taking the write lock up front (other transactions begin deferred), and
 *   first checks that the database file is still the one opened — a project directory deleted
 *   or replaced under a running server would otherwise take writes into an unlinked file and
 *   lose them while answering success;
 * - a rollback after SQLite already rolled back by itself (a full disk, an I/O error) keeps the
 *   error that caused it instead of replacing it with "cannot rollback - no transaction is active".
 */
class SqliteWriteDriver extends SqliteDriver {
  readonly #file: SqliteFileIdentity | undefined

  constructor(config: SqliteDialectConfig, file: SqliteFileIdentity | undefined) {
    super(config)
    this.#file = file
  }

  override async beginTransaction(
    connection: DatabaseConnection,
    settings?: TransactionSettings,
  ): Promise<void> {
    if (settings?.accessMode === 'read write') {
      if (this.#file !== undefined) assertSameFile(this.#file)
      await connection.executeQuery(CompiledQuery.raw('begin immediate'))
    } else await super.beginTransaction(connection)
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection)
    } catch (err) {
      if (!/no transaction is active/.test((err as Error).message)) throw err
    }
  }
}

/** Throws `UNAVAILABLE` when the database file was deleted or replaced since it was opened. */
function assertSameFile(file: SqliteFileIdentity): void {
  const ino = statSync(file.path, { throwIfNoEntry: false })?.ino
  if (ino === file.ino) return
  throw new StrataError(
    'UNAVAILABLE',
    `the metadata database ${file.path} was ${ino === undefined ? 'deleted' : 'replaced'} while this process had it open; ` +
      'writes are refused so that none is lost — restore the project directory and restart',
    { details: { path: file.path } },
  )
}

/** The SQLite dialect of the metadata database: Kysely's, with {@link SqliteWriteDriver}. */
export class SqliteWriteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig
  readonly #file: SqliteFileIdentity | undefined

  /** `file`: the opened database file, checked before each write (none for `:memory:`). */
  constructor(config: SqliteDialectConfig, file?: SqliteFileIdentity) {
    super(config)
    this.#config = config
    this.#file = file
  }

  override createDriver(): Driver {
    return new SqliteWriteDriver(this.#config, this.#file)
  }
}
