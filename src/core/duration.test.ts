import { expect, it } from 'vitest'
import { formatDuration, parseDuration } from './duration.js'
import { isStrataError } from './errors.js'

const messageOf = (fn: () => unknown): string => {
  try {
    fn()
  } catch (err) {
    if (isStrataError(err) && err.code === 'INVALID_ARGUMENT') return err.message
    throw err
  }
  throw new Error('no error')
}

it('reads every unit, fractions that land on whole milliseconds, and plain milliseconds', () => {
  expect(parseDuration('ttl', '500ms')).toBe(500)
  expect(parseDuration('ttl', '90s')).toBe(90_000)
  expect(parseDuration('ttl', ' 15m ')).toBe(900_000)
  expect(parseDuration('ttl', '1.5h')).toBe(5_400_000)
  expect(parseDuration('ttl', '7d')).toBe(604_800_000)
  expect(parseDuration('ttl', '2w')).toBe(1_209_600_000)
  expect(parseDuration('ttl', 90_000)).toBe(90_000)
})

it('refuses what is not a positive whole number of milliseconds, naming the value and the valid units', () => {
  for (const bad of [
    '10',
    '0m',
    '-5m',
    '1.5ms',
    '7 days',
    '',
    'soon',
    0,
    -1,
    1.5,
    Number.NaN,
    null,
    undefined,
  ]) {
    expect(messageOf(() => parseDuration('ttl', bad))).toMatch(/^ttl .* is not a duration; /)
  }
  expect(messageOf(() => parseDuration('window.every', undefined))).toBe(
    'window.every undefined is not a duration; use a positive whole number of milliseconds or a number with a unit, such as "500ms", "30s", "15m", "24h", "7d" or "2w"',
  )
})

it('accepts only the units a caller allows', () => {
  expect(parseDuration('--interval', '500ms', ['ms', 's', 'm', 'h'])).toBe(500)
  expect(messageOf(() => parseDuration('--interval', '1d', ['ms', 's', 'm', 'h']))).toBe(
    '--interval "1d" is not a duration; use a positive whole number of milliseconds or a number with a unit, such as "500ms", "30s", "15m" or "24h"',
  )
  expect(messageOf(() => parseDuration('window.every', '30s', ['m']))).toMatch(/such as "15m"$/)
})

it('formats milliseconds as the shortest exact duration', () => {
  expect(formatDuration(86_400_000)).toBe('1d')
  expect(formatDuration(1_209_600_000)).toBe('2w')
  expect(formatDuration(90_000)).toBe('90s')
  expect(formatDuration(1500)).toBe('1500ms')
})
