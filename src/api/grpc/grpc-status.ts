import { type Metadata, status } from '@grpc/grpc-js'
import { type ErrorCode, isStrataError } from '../../core/errors.js'

/** The gRPC status of each error code (the REST routes' 400/404/503… as gRPC says them). */
export const GRPC_STATUS: Record<ErrorCode, status> = {
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  CONFLICT: status.ABORTED,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  UNSUPPORTED: status.UNIMPLEMENTED,
  UNAVAILABLE: status.UNAVAILABLE,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  DATA_LOSS: status.DATA_LOSS,
  USER_CODE: status.INTERNAL,
  INTERNAL: status.INTERNAL,
}

/** A failed call as grpc-js sends it: a status code and the message (`details`). */
export interface GrpcFailure {
  code: status
  details: string
  metadata?: Metadata
}

/**
 * The status of a failed call: a Strata error's code and message; anything else is INTERNAL
 * with a message that names the method but not the internals (`internal` is told the error).
 */
export function grpcFailure(err: unknown, method: string, internal: (err: unknown) => void): GrpcFailure {
  if (isStrataError(err)) {
    if (GRPC_STATUS[err.code] === status.INTERNAL) internal(err)
    return { code: GRPC_STATUS[err.code], details: err.message }
  }
  internal(err)
  return { code: status.INTERNAL, details: `internal error in ${method}` }
}
