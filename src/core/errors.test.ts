import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { ERROR_CODES, isStrataError, StrataError, toStrataError } from './errors.js'

it('documents every error code in docs/errors.md', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
  const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1])
  expect(documented).toEqual([...ERROR_CODES])
})

it('recognizes Strata errors by shape, across copies and structured clones', () => {
  const err = new StrataError('CONFLICT', 'ref moved', { details: { ref: 'main' } })
  expect(isStrataError(err, 'CONFLICT')).toBe(true)
  expect(isStrataError(err, 'NOT_FOUND')).toBe(false)
  const cloned = structuredClone({ ...err, strata: true, code: err.code })
  expect(isStrataError(cloned, 'CONFLICT')).toBe(true)
  expect(isStrataError(new Error('x'))).toBe(false)
  expect(err.toJSON()).toEqual({ code: 'CONFLICT', message: 'ref moved', details: { ref: 'main' } })
})

it('wraps foreign errors without losing Strata ones', () => {
  const original = new StrataError('NOT_FOUND', 'gone')
  expect(toStrataError(original)).toBe(original)
  const wrapped = toStrataError(new Error('disk full'), 'UNAVAILABLE', 'writing blob')
  expect(wrapped.code).toBe('UNAVAILABLE')
  expect(wrapped.message).toBe('writing blob: disk full')
})
