import { errorMessage, StrataError } from '../core/errors.js'

/** True for a unique/primary-key violation on either dialect (SQLite `SQLITE_CONSTRAINT_*`, Postgres `23505`). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08003',
  '08006',
])

/**
 * Translates a metadata-driver error into a StrataError: unique violations become
 * `ALREADY_EXISTS` (with `what` in the message), lost connections `UNAVAILABLE`,
 * busy/locked SQLite and a full disk `UNAVAILABLE`, a read-only database `FAILED_PRECONDITION`,
 * anything else `INTERNAL`.
 */
export function translateDbError(err: unknown, what: string): StrataError {
  if (err instanceof StrataError) return err
  const code = (err as { code?: unknown }).code
  const message = errorMessage(err)
  if (isUniqueViolation(err))
    return new StrataError('ALREADY_EXISTS', `${what} already exists`, { cause: err })
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) {
    return new StrataError('UNAVAILABLE', `metadata database unavailable (${code}): ${message}`, {
      cause: err,
    })
  }
  if (/Connection terminated|connection is closed|Client has encountered a connection error/i.test(message)) {
    return new StrataError('UNAVAILABLE', `metadata database unavailable: ${message}`, { cause: err })
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === '53100') {
    return new StrataError(
      'UNAVAILABLE',
      `${what}: the disk holding the metadata database is full (${message}); free space and retry — nothing was written`,
      { cause: err },
    )
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_READONLY')) {
    return new StrataError(
      'FAILED_PRECONDITION',
      `${what}: the metadata database is read-only (${message}); writes need write access to the project's .strata directory`,
      { cause: err },
    )
  }
  if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
    return new StrataError('UNAVAILABLE', `metadata database is locked by another writer: ${message}`, {
      cause: err,
    })
  }
  return new StrataError('INTERNAL', `${what}: ${message}`, { cause: err })
}
