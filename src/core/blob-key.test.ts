import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { assertBlobKey, blobKeyProblem, compareUtf8, isBlobKey } from './blob-key.js'
import { isStrataError } from './errors.js'

describe('assertBlobKey', () => {
  it.each([
    'a',
    'a/b',
    'a/b/c.parquet',
    '.hidden',
    'a/.b/..c/c..',
    'with space/and%percent',
    'ünïcødé/😀',
    'a\\b',
  ])('accepts %j', (key) => {
    expect(() => assertBlobKey(key)).not.toThrow()
    expect(isBlobKey(key)).toBe(true)
  })

  it.each([
    ['', 'empty'],
    ['/a', 'starts with "/"'],
    ['a/', 'ends with "/"'],
    ['/', 'starts with "/"'],
    ['a//b', 'empty segment'],
    ['..', '".." segment'],
    ['a/../b', '".." segment'],
    ['.', '"." segment'],
    ['a/./b', '"." segment'],
    ['a\u0000b', 'U+0000'],
    ['a\nb', 'U+000A'],
    ['a\u007fb', 'U+007F'],
    ['a\u0085b', 'U+0085'],
    ['a\ud800b', 'U+D800'],
  ])('rejects %j with INVALID_ARGUMENT naming the key and the rule (%s)', (key, rule) => {
    let caught: unknown
    try {
      assertBlobKey(key)
    } catch (err) {
      caught = err
    }
    expect(isStrataError(caught, 'INVALID_ARGUMENT')).toBe(true)
    const message = (caught as Error).message
    expect(message).toContain(JSON.stringify(key))
    expect(message).toContain(rule)
    expect(message).toContain('non-empty "/"-separated path')
    expect(isBlobKey(key)).toBe(false)
  })

  it('rejects non-strings', () => {
    expect(blobKeyProblem(42)).toContain('number')
    expect(blobKeyProblem(undefined)).toContain('undefined')
    expect(() => assertBlobKey(null)).toThrow(/null/)
  })
})

describe('compareUtf8', () => {
  it('orders by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF01 is below U+1F600 as a code point, but its UTF-16 unit is above the surrogate 0xD83D.
    expect(compareUtf8('\uff01', '😀')).toBeLessThan(0)
    expect(['😀', '\uff01', 'a/b', 'a-b', 'ab', 'a', 'a/b/c'].sort(compareUtf8)).toEqual([
      'a',
      'a-b',
      'a/b',
      'a/b/c',
      'ab',
      '\uff01',
      '😀',
    ])
  })

  it('agrees with Buffer.compare of the UTF-8 encodings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const expected = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)))
        expect(Math.sign(compareUtf8(a, b))).toBe(expected)
      }),
    )
  })
})
