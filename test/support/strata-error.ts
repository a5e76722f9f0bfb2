import { isStrataError, type StrataError } from '../../src/core/errors.js'

/**
 * The `StrataError` `promise` rejects with, checked by code as the house checks errors
 * (`isStrataError`): resolving fails the test, and any other error is rethrown so the test
 * shows it as it is.
 *
 * @example
 * expect((await strataRejection(store.materialize())).code).toBe('INVALID_ARGUMENT')
 */
export async function strataRejection(promise: Promise<unknown>): Promise<StrataError> {
  let outcome: { err: unknown } | undefined
  try {
    await promise
  } catch (err) {
    outcome = { err }
  }
  if (outcome === undefined) throw new Error('expected a rejection with a StrataError, but it resolved')
  if (!isStrataError(outcome.err)) throw outcome.err
  return outcome.err
}

/** The `StrataError` `fn` throws (see {@link strataRejection}). */
export function strataThrow(fn: () => unknown): StrataError {
  let outcome: { err: unknown } | undefined
  try {
    fn()
  } catch (err) {
    outcome = { err }
  }
  if (outcome === undefined) throw new Error('expected a StrataError to be thrown, but nothing was')
  if (!isStrataError(outcome.err)) throw outcome.err
  return outcome.err
}
