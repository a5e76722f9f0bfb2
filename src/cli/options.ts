import { StrataError } from '../core/errors.js'

/**
 * A whole-number option value (`--max 50`): the number, or `INVALID_ARGUMENT` naming the option,
 * the value given and what is valid.
 *
 * @example
 * const max = wholeNumber('--max', opts.max, 1)
 */
export function wholeNumber(option: string, value: string, min: number): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${option} "${value}" is invalid; expected a whole number ≥ ${min}`,
    )
  }
  return n
}

/** A number option that must be > 0 (e.g. seconds between checks). */
export function positiveNumber(option: string, value: string): number {
  const n = Number(value)
  if (!(n > 0))
    throw new StrataError('INVALID_ARGUMENT', `${option} "${value}" is invalid; expected a number > 0`)
  return n
}
