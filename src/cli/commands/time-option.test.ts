import { expect, it } from 'vitest'
import { strataThrow } from '../../../test/support/strata-error.js'
import { parseTimeOption } from './time-option.js'

const now = Date.parse('2026-03-02T00:00:00Z')

it('reads spans back from now, epoch milliseconds of any length and ISO times (naive ones as UTC)', () => {
  expect(parseTimeOption('--since', '45s', now)).toBe(now - 45_000)
  expect(parseTimeOption('--since', '30m', now)).toBe(now - 30 * 60_000)
  expect(parseTimeOption('--since', '2h', now)).toBe(now - 2 * 3_600_000)
  expect(parseTimeOption('--since', '7d', now)).toBe(now - 7 * 86_400_000)
  // epoch ms: the long form, and the short ones `strata monitor` always took
  expect(parseTimeOption('--window-end', '1772323200000', now)).toBe(1772323200000)
  expect(parseTimeOption('--window-end', '86400000', now)).toBe(86_400_000)
  expect(parseTimeOption('--window-end', '0', now)).toBe(0)
  expect(parseTimeOption('--since', '2026-03-01', now)).toBe(Date.UTC(2026, 2, 1))
  expect(parseTimeOption('--since', '2026-03-01T10:00Z', now)).toBe(Date.UTC(2026, 2, 1, 10))
  expect(parseTimeOption('--since', '2026-03-01T10:00:00+02:00', now)).toBe(Date.UTC(2026, 2, 1, 8))
  // no offset: UTC, whatever the machine's time zone (Strata's one time-zone rule)
  expect(parseTimeOption('--window', '2026-03-01T10:00:00', now)).toBe(Date.UTC(2026, 2, 1, 10))
  expect(parseTimeOption('--window', '2026-03-01 10:00', now)).toBe(Date.UTC(2026, 2, 1, 10))
})

it('fails naming the option, the value and the accepted forms', () => {
  for (const bad of ['yesterday', '2h ago', '2026-02-30', '1.5h', '', 'Sun Mar 01 2026']) {
    const e = strataThrow(() => parseTimeOption('--window-end', bad, now))
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.message).toBe(
      `--window-end "${bad}" is invalid; expected an ISO time (2026-03-01T10:00Z; without an offset it is UTC), epoch milliseconds or a span back from now (30m, 2h, 7d)`,
    )
  }
})
