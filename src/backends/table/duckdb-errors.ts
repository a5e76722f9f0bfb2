import { type ErrorCode, errorMessage, isStrataError, StrataError } from '../../core/errors.js'

/**
 * DuckDB error classes (the `<Class> Error:` prefix of its messages) that mean the caller's SQL
 * or parameters are wrong rather than the engine.
 */
const CALLER_ERROR_CLASSES = new Set([
  'Parser',
  'Syntax',
  'Binder',
  'Catalog',
  'Conversion',
  'Invalid Input',
  'Out of Range',
  'Mismatch Type',
  'Type Mismatch',
  'Invalid type',
  'Parameter Not Resolved',
  'Parameter Not Allowed',
  'Constraint',
  'Dependency',
])

const MISSING_FILE = /No files found|does not exist|No such file or directory/

/** Where a DuckDB error happened, for the translated message. */
export interface DuckDbErrorContext {
  /** What was being done, e.g. `query` or `writeParquet to "/x.parquet"`. */
  operation: string
}

/**
 * The class of a DuckDB error message (`Parser` for `Parser Error: …`), if it has one. The class
 * may follow a prefix of the node API, as in `Failed to extract statements: Parser Error: …`.
 */
export function duckDbErrorClass(message: string): string | undefined {
  return /(?:^|: )([A-Za-z ]+?) Error: /.exec(message)?.[1]
}

/**
 * Translates an error thrown by `@duckdb/node-api` into a StrataError:
 * - an IO error for a missing file or glob match → NOT_FOUND, naming the path;
 * - parser, binder, catalog, conversion, invalid-input and similar errors → INVALID_ARGUMENT
 *   with DuckDB's own message (it points at the offending token);
 * - `Not implemented` → UNSUPPORTED; anything else → INTERNAL.
 * Strata errors pass through unchanged.
 */
export function translateDuckDbError(err: unknown, context: DuckDbErrorContext): StrataError {
  if (isStrataError(err)) return err
  const message = errorMessage(err)
  const errorClass = duckDbErrorClass(message)
  const details: Record<string, unknown> = { engine: 'duckdb', operation: context.operation }
  if (errorClass !== undefined) details.duckdbErrorClass = errorClass

  if (errorClass === 'IO' && MISSING_FILE.test(message)) {
    const path = /"([^"]+)"/.exec(message)?.[1]
    if (path !== undefined) details.path = path
    const subject = path === undefined ? 'a file it reads' : `"${path}"`
    return new StrataError(
      'NOT_FOUND',
      `${context.operation}: no file matches ${subject}; check the path or glob (DuckDB: ${firstLine(message)})`,
      { cause: err, details },
    )
  }
  let code: ErrorCode = 'INTERNAL'
  if (errorClass !== undefined && CALLER_ERROR_CLASSES.has(errorClass)) code = 'INVALID_ARGUMENT'
  else if (errorClass === 'Not implemented') code = 'UNSUPPORTED'
  return new StrataError(code, `${context.operation} failed: ${message}`, { cause: err, details })
}

function firstLine(message: string): string {
  const end = message.indexOf('\n')
  return end === -1 ? message : message.slice(0, end)
}
