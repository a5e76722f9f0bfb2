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

/**
 * Commander's argument parser for a repeatable option (`-P a=1 -P b=2`): each value appended to
 * the ones before.
 *
 * @example
 * cmd.option('-t, --tag <key=value>', 'a tag (repeatable)', collect)
 */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

/**
 * A positive number option value (`--poll-seconds 0.5`): the number, or `INVALID_ARGUMENT` naming
 * the option, the value given and what is valid.
 *
 * @example
 * const poll = positiveNumber('--poll-seconds', opts.pollSeconds)
 */
export function positiveNumber(option: string, value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) {
    throw new StrataError('INVALID_ARGUMENT', `${option} "${value}" is invalid; expected a number > 0`)
  }
  return n
}
