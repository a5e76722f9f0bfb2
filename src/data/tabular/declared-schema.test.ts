import { describe, expect, it } from 'vitest'
import { isStrataError } from '../../core/errors.js'
import { parseDeclaredSchema } from './index.js'

function problemOf(input: unknown): string {
  try {
    parseDeclaredSchema(input)
  } catch (err) {
    if (isStrataError(err, 'INVALID_ARGUMENT')) return err.message
    throw err
  }
  throw new Error('expected the declaration to be rejected')
}

describe('parseDeclaredSchema', () => {
  it('accepts a full declaration and drops nothing', () => {
    const schema = {
      columns: [
        { name: 'id', type: 'int', nullable: false, min: 0 },
        { name: 'score', type: 'float', min: 0, max: 1 },
        { name: 'kind', type: 'string', enum: ['a', 'b'] },
        { name: 'size', type: 'int', enum: [1, 2, 3] },
        { name: 'at', type: 'timestamp' },
      ],
      allowExtraColumns: true,
    }
    expect(parseDeclaredSchema(schema)).toEqual(schema)
  })

  it.each([
    [{ columns: [] }, 'columns: a schema must declare at least one column'],
    [{ columns: [{ name: 'a', type: 'integer' }] }, 'columns[0].type'],
    [{ columns: [{ name: '', type: 'int' }] }, 'columns[0].name: a column name must not be empty'],
    [
      { columns: [{ name: 'a', type: 'string', min: 1 }] },
      'columns[0].min: min applies to int and float columns only, not string',
    ],
    [{ columns: [{ name: 'a', type: 'int', min: 5, max: 1 }] }, 'columns[0].min: min 5 is above max 1'],
    [
      { columns: [{ name: 'a', type: 'int', enum: ['x'] }] },
      'columns[0].enum[0]: enum value "x" does not fit',
    ],
    [
      { columns: [{ name: 'a', type: 'int', enum: [1.5] }] },
      'enum value 1.5 does not fit the column type int',
    ],
    [{ columns: [{ name: 'a', type: 'bool', enum: [true] }] }, 'columns[0].enum'],
    [
      {
        columns: [
          { name: 'a', type: 'int' },
          { name: 'a', type: 'int' },
        ],
      },
      'column "a" is declared twice',
    ],
    [{ columns: [{ name: 'a', type: 'int', required: true }] }, 'columns[0]'],
  ])('rejects %j naming the problem', (input, expected) => {
    expect(problemOf(input)).toContain(expected)
  })
})
