import { existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { Kysely, PostgresDialect, sql } from 'kysely'
import { errorMessage, StrataError } from '../core/errors.js'
import { importDriver } from './import-driver.js'
import type { MetadataDatabase, MetadataDialect } from './metadata-database.js'
import { namedStatementClient } from './postgres-named-statements.js'
import { cachingSqliteDatabase } from './sqlite-statement-cache.js'
import { SqliteWriteDialect } from './sqlite-write-dialect.js'

/** Options for {@link openMetadataDatabase}. */
export interface OpenMetadataDatabaseOptions {
  /** `sqlite:` with a local path (`:memory:` allowed) or `postgres://…`. */
  dialect: MetadataDialect
  /** For SQLite: the database file path. For Postgres: the connection string. */
  location: string
  /** The URI as configured, password redacted, for messages. */
  url: string
  /** Postgres pool size (default 10). */
  poolSize?: number
}

/**
 * Opens the metadata database. SQLite runs with WAL, a 5 s busy timeout, `synchronous=NORMAL`,
 * a 1 GiB memory map, a 64 MiB page cache, a checkpoint of the WAL every 8,000 pages (not 1,000)
 * and foreign keys on, keeps prepared statements (by SQL text, {@link cachingSqliteDatabase}),
 * and begins each {@link writeTransaction} with `BEGIN IMMEDIATE`. Postgres
 * `int8` values (counts, epoch-millisecond timestamps) are parsed to JavaScript numbers so both
 * dialects return the same types.
 */
export async function openMetadataDatabase(options: OpenMetadataDatabaseOptions): Promise<MetadataDatabase> {
  return options.dialect === 'sqlite' ? openSqlite(options) : openPostgres(options)
}

/**
 * WAL pages after which a commit checkpoints (SQLite's default is 1,000). Each checkpoint copies
 * every page changed since the last one into the database file and syncs both files; a pipeline
 * step commits ≈20 pages, so at 1,000 a checkpoint (with its two fsyncs) came every ≈45 steps.
 * Fewer, larger checkpoints copy a page changed many times once. A process crash (kill -9) loses
 * nothing either way: a commit is in the WAL when it returns. With `synchronous=NORMAL` the WAL is
 * synced at checkpoints, so an OS crash or power loss may roll back the commits since the last
 * one — a consistent suffix, as before, of up to 8,000 pages instead of 1,000. The WAL file
 * normally grows to ≈33 MB before it is reused.
 */
const SQLITE_WAL_AUTOCHECKPOINT_PAGES = 8000

/** How much of a SQLite metadata database is memory-mapped for reads. */
const SQLITE_MMAP_BYTES = 1024 ** 3
/** SQLite's page cache per connection, in KiB. */
const SQLITE_CACHE_KIB = 64 * 1024

async function openSqlite(options: OpenMetadataDatabaseOptions): Promise<MetadataDatabase> {
  // URI file names (for `immutable=1` below); better-sqlite3 reads this once, when its addon loads.
  process.env.SQLITE_USE_URI ??= '1'
  const { default: Database } = await importDriver<{ default: typeof import('better-sqlite3') }>(
    'better-sqlite3',
    'sqlite:',
  )
  const memory = options.location === ':memory:'
  if (!memory) mkdirSync(dirname(options.location), { recursive: true })
  let database: import('better-sqlite3').Database
  let readOnly = false
  try {
    database = openWritable(Database, options.location)
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (memory || typeof code !== 'string' || !READ_ONLY_CODES.test(code) || !existsSync(options.location)) {
      throw cannotOpen(options, err)
    }
    try {
      database = openReadOnly(Database, options.location)
      readOnly = true
    } catch (readErr) {
      throw cannotOpen(options, readErr)
    }
  }
  const file =
    memory || readOnly ? undefined : { path: resolve(options.location), ino: statSync(options.location).ino }
  const db = new Kysely<object>({
    dialect: new SqliteWriteDialect({ database: cachingSqliteDatabase(database) }, file),
  })
  return {
    dialect: 'sqlite',
    db,
    url: options.url,
    readOnly,
    version: async () => `SQLite ${database.prepare('select sqlite_version() as v').pluck().get() as string}`,
    close: () => db.destroy(),
  }
}

type SqliteDatabase = typeof import('better-sqlite3')

/** Driver codes of a database (or its directory) that cannot be written. */
const READ_ONLY_CODES = /^(SQLITE_READONLY|SQLITE_CANTOPEN|EACCES|EROFS)/

/** Opens for reading and writing: WAL, busy timeout, and the caches searches at scale need. */
function openWritable(Database: SqliteDatabase, location: string): import('better-sqlite3').Database {
  const database = new Database(location)
  try {
    database.pragma('journal_mode = WAL')
    database.pragma('busy_timeout = 5000')
    database.pragma('synchronous = NORMAL')
    database.pragma('foreign_keys = ON')
    // Searches at scale seek across large indexes: read pages through a memory map and keep
    // more of them cached than SQLite's default 2 MB.
    database.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`)
    database.pragma(`cache_size = -${SQLITE_CACHE_KIB}`)
    database.pragma(`wal_autocheckpoint = ${SQLITE_WAL_AUTOCHECKPOINT_PAGES}`)
    return database
  } catch (err) {
    database.close()
    throw err
  }
}

/**
 * Opens a database that cannot be written (a read-only copy, mount or another user's files)
 * for reading. A WAL database needs its `-shm` file for that; when the directory cannot hold
 * one and no `-wal` file holds unmerged changes, it is opened `immutable` (nothing else writes a
 * read-only copy).
 */
function openReadOnly(Database: SqliteDatabase, location: string): import('better-sqlite3').Database {
  let database: import('better-sqlite3').Database
  try {
    database = new Database(location, { readonly: true, fileMustExist: true })
    database.pragma('user_version')
  } catch (err) {
    const wal = statSync(`${location}-wal`, { throwIfNoEntry: false })
    if (wal !== undefined && wal.size > 0) throw err
    const uri = `file:${encodeURI(resolve(location)).replace(/[?#]/g, encodeURIComponent)}?immutable=1`
    database = new Database(uri, { readonly: true, fileMustExist: true })
  }
  database.pragma('busy_timeout = 5000')
  database.pragma('foreign_keys = ON')
  database.pragma(`cache_size = -${SQLITE_CACHE_KIB}`)
  return database
}

function cannotOpen(options: OpenMetadataDatabaseOptions, err: unknown): StrataError {
  return new StrataError(
    'UNAVAILABLE',
    `metadata = "${options.url}": cannot open SQLite database at ${options.location}: ${errorMessage(err)}`,
    { cause: err },
  )
}

async function openPostgres(options: OpenMetadataDatabaseOptions): Promise<MetadataDatabase> {
  const pg = await importDriver<typeof import('pg')>('pg', 'postgres://')
  const { Client, Pool, types } = pg.default
  const parseInt8 = (value: string): number => Number(value)
  const pool = new Pool({
    Client: namedStatementClient(Client),
    connectionString: options.location,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === types.builtins.INT8
          ? parseInt8
          : types.getTypeParser(oid, format ?? 'text')) as typeof types.getTypeParser,
    },
  })
  // An idle client losing its server must not crash the process; queries then fail with UNAVAILABLE.
  pool.on('error', () => {})
  try {
    const client = await pool.connect()
    client.release()
  } catch (err) {
    await pool.end().catch(() => {})
    throw translateConnectError(options.url, err)
  }
  const db = new Kysely<object>({ dialect: new PostgresDialect({ pool }) })
  return {
    dialect: 'postgres',
    db,
    url: options.url,
    readOnly: false,
    version: async () => {
      const { rows } = await sql<{ v: string }>`select version() as v`.execute(db)
      return rows[0]?.v.split(' on ')[0] ?? 'PostgreSQL'
    },
    close: () => db.destroy(),
  }
}

function translateConnectError(url: string, err: unknown): StrataError {
  const code = (err as { code?: string }).code
  const message = errorMessage(err)
  if (code === '28P01' || code === '28000') {
    return new StrataError(
      'FAILED_PRECONDITION',
      `metadata = "${url}": authentication failed (${message}); check the user and password in the URL or PGPASSWORD`,
      { cause: err },
    )
  }
  if (code === '3D000') {
    return new StrataError(
      'FAILED_PRECONDITION',
      `metadata = "${url}": ${message}; create it with "createdb" or point the URL at an existing database`,
      { cause: err },
    )
  }
  return new StrataError('UNAVAILABLE', `metadata = "${url}": cannot connect to Postgres: ${message}`, {
    cause: err,
  })
}
