import { describe, expect, it } from 'vitest'
import { parseTimeOption, parseTimestamp, toEpochMs } from './time.js'

describe('parseTimestamp: naive means UTC, offsets are honoured', () => {
  it.each([
    ['2024-03-10', Date.UTC(2024, 2, 10)],
    ['2024-03-10T02:30:00', Date.UTC(2024, 2, 10, 2, 30)],
    ['2024-03-10 02:30', Date.UTC(2024, 2, 10, 2, 30)],
    ['2024-03-10T02:30:00.123456', Date.UTC(2024, 2, 10, 2, 30, 0, 123)],
    ['2024-03-10T02:30:00Z', Date.UTC(2024, 2, 10, 2, 30)],
    ['2024-03-10T02:30:00+05:30', Date.UTC(2024, 2, 9, 21, 0)],
    ['2024-03-10T02:30:00-0400', Date.UTC(2024, 2, 10, 6, 30)],
    ['2024-03-10 02:30:00+13', Date.UTC(2024, 2, 9, 13, 30)],
    ['2024-09-29T12:45:00+13:45', Date.UTC(2024, 8, 28, 23, 0)],
  ])('%s', (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected)
  })

  it.each(['', 'yesterday', 'Mar 10 2024', '2024-02-30', '2024-13-01', '2024-03-10T25:00', '10:00'])(
    'refuses %j',
    (text) => {
      expect(parseTimestamp(text)).toBeUndefined()
    },
  )

  it('differs from Date.parse only where Date.parse reads the local zone', () => {
    expect(parseTimestamp('2024-06-01T10:00:00Z')).toBe(Date.parse('2024-06-01T10:00:00Z'))
    expect(parseTimestamp('2024-06-01T10:00:00')).toBe(Date.parse('2024-06-01T10:00:00Z'))
  })

  it('CLI times take epoch ms too; values take Dates', () => {
    expect(parseTimeOption('978307200000')).toBe(978307200000)
    expect(parseTimeOption('2001-01-01')).toBe(978307200000)
    expect(parseTimeOption('soon')).toBeUndefined()
    expect(toEpochMs(new Date(5))).toBe(5)
    expect(toEpochMs(new Date(Number.NaN))).toBeUndefined()
    expect(toEpochMs('2001-01-01T00:00:00')).toBe(978307200000)
  })
})
