import { type ErrorCode, isStrataError } from '../core/errors.js'

/** Awaits `promise` and returns the Strata error code it rejected with, failing if it resolved. */
export async function rejectionCode(
  promise: Promise<unknown>,
): Promise<{ code: ErrorCode | undefined; message: string }> {
  try {
    await promise
  } catch (err) {
    return {
      code: isStrataError(err) ? err.code : undefined,
      message: err instanceof Error ? err.message : String(err),
    }
  }
  throw new Error('expected the operation to reject, but it resolved')
}
