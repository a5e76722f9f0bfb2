import { describe, expect, it } from 'vitest'
import { strataThrow } from '../../test/support/strata-error.js'
import type { OipDatatype } from './datatypes.js'
import { tensorFromJson } from './tensor.js'

describe('tensorFromJson', () => {
  it('decodes flat and nested data of every numeric datatype to the same typed values', () => {
    const cases: [OipDatatype, number[]][] = [
      ['FP32', [1.5, -2.25, 0, 3e-8, 1e30, -0]],
      ['FP64', [Math.PI, -1e300, 0, 5e-324, 1, 2]],
      ['INT8', [-128, 127, 0, 1, -1, 5]],
      ['UINT8', [0, 255, 1, 2, 3, 4]],
      ['INT16', [-32768, 32767, 0, 1, 2, 3]],
      ['UINT16', [0, 65535, 1, 2, 3, 4]],
      ['INT32', [-2147483648, 2147483647, 0, 1, 2, 3]],
      ['UINT32', [0, 4294967295, 1, 2, 3, 4]],
    ]
    for (const [datatype, flat] of cases) {
      const nested = [flat.slice(0, 3), flat.slice(3)]
      const a = tensorFromJson('x', datatype, [2, 3], flat)
      const b = tensorFromJson('x', datatype, [2, 3], nested)
      expect(a.values.constructor).toBe(b.values.constructor)
      expect(Array.from(a.values as ArrayLike<number>)).toEqual(Array.from(b.values as ArrayLike<number>))
      expect(Array.from(a.values as ArrayLike<number>)).toEqual(
        datatype === 'FP32' ? flat.map(Math.fround) : flat,
      )
    }
  })

  it('names the offending element of flat data, as for nested data', () => {
    expect(strataThrow(() => tensorFromJson('x', 'INT8', [3], [1, 128, 2])).message).toBe(
      'input "x": element 1 (128) is not an integer in [-128, 127] as INT8 needs',
    )
    expect(strataThrow(() => tensorFromJson('x', 'UINT8', [2], [1, 1.5])).message).toContain(
      'element 1 (1.5) is not an integer',
    )
    expect(strataThrow(() => tensorFromJson('x', 'FP32', [2], [1, '2'])).message).toBe(
      'input "x": element 1 ("2") is not a number; FP32 data must be numbers',
    )
    expect(strataThrow(() => tensorFromJson('x', 'FP32', [3], [1, 2])).message).toBe(
      'input "x": shape [3] holds 3 elements but data has 2',
    )
    expect(strataThrow(() => tensorFromJson('x', 'FP32', [1], [null])).code).toBe('INVALID_ARGUMENT')
  })
})
