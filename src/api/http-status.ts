import type { ErrorCode } from '../core/errors.js'

/** The HTTP status for each error code; `Record` so the compiler checks the table is complete. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  INVALID_ARGUMENT: 400,
  CONFLICT: 409,
  FAILED_PRECONDITION: 412,
  UNSUPPORTED: 501,
  UNAVAILABLE: 503,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  DATA_LOSS: 500,
  USER_CODE: 500,
  INTERNAL: 500,
}
