/**
 * The closed set of error codes every Strata error carries. Check errors by
 * `code` (see {@link isStrataError}), never by `instanceof`: that breaks across
 * worker threads and duplicate package copies.
 */
export const ERROR_CODES = [
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'INVALID_ARGUMENT',
  'CONFLICT',
  'FAILED_PRECONDITION',
  'UNSUPPORTED',
  'UNAVAILABLE',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'DATA_LOSS',
  'USER_CODE',
  'INTERNAL',
] as const

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number]

/** Options accepted by {@link StrataError}. */
export interface StrataErrorOptions {
  /** The error that caused this one (a driver error, a user exception). */
  cause?: unknown
  /** Structured facts for machines (`--json`, HTTP bodies): offending value, valid values, ids. */
  details?: Record<string, unknown>
}

/**
 * The one error class of Strata. The message says what happened, the offending
 * value and what would be valid.
 *
 * @example
 * throw new StrataError('NOT_FOUND', `dataset "flights" does not exist; create it with "strata data create flights"`)
 */
export class StrataError extends Error {
  /** Marker that survives structured cloning and duplicate package copies. */
  readonly strata = true
  readonly code: ErrorCode
  readonly details: Record<string, unknown> | undefined

  constructor(code: ErrorCode, message: string, options: StrataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'StrataError'
    this.code = code
    this.details = options.details
  }

  /** A JSON-safe view: `{ code, message, details? }`. */
  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details }
  }
}

/** True when `err` is a Strata error (optionally with the given code), by shape rather than class. */
export function isStrataError(err: unknown, code?: ErrorCode): err is StrataError {
  if (typeof err !== 'object' || err === null) return false
  const e = err as { strata?: unknown; code?: unknown }
  if (e.strata !== true || typeof e.code !== 'string') return false
  return code === undefined || e.code === code
}

/** The message of any thrown value, for wrapping driver errors into one line. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}

/**
 * Wraps an unknown thrown value as a StrataError, keeping Strata errors as they are.
 * Used at boundaries where a driver error has no more specific translation.
 */
export function toStrataError(err: unknown, code: ErrorCode = 'INTERNAL', context?: string): StrataError {
  if (isStrataError(err)) return err
  const message = context === undefined ? errorMessage(err) : `${context}: ${errorMessage(err)}`
  return new StrataError(code, message, { cause: err })
}
