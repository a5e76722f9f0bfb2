import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type TransactionSettings,
} from 'kysely'

/**
 * Kysely's SQLite driver, except that a transaction asking for `read write` access (as
 * {@link writeTransaction} does) begins with `BEGIN IMMEDIATE`, taking the write lock up front;
 * other transactions begin deferred as usual.
 */
class SqliteWriteDriver extends SqliteDriver {
  override async beginTransaction(
    connection: DatabaseConnection,
    settings?: TransactionSettings,
  ): Promise<void> {
    if (settings?.accessMode === 'read write')
      await connection.executeQuery(CompiledQuery.raw('begin immediate'))
    else await super.beginTransaction(connection)
  }
}

/** The SQLite dialect of the metadata database: Kysely's, with {@link SqliteWriteDriver}. */
export class SqliteWriteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig

  constructor(config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }

  override createDriver(): Driver {
    return new SqliteWriteDriver(this.#config)
  }
}
