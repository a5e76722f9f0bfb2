import { describe, expect, it } from 'vitest'
import { strataThrow } from '../../../test/support/strata-error.js'
import type { InferTensor } from '../tensor.js'
import { combineOutputs, conditionHolds } from './graph-combine.js'
import { type GraphSpec, inferenceGraph, isInferenceGraph } from './graph-definition.js'

const f32 = (name: string, values: number[], shape = [values.length, 1]): InferTensor => ({
  name,
  datatype: 'FP32',
  shape,
  values: Float32Array.from(values),
})

describe('inferenceGraph declarations', () => {
  it('marks a valid declaration', () => {
    const g = inferenceGraph({
      name: 'g',
      kind: 'ensemble',
      combine: 'vote',
      members: [
        { name: 'a', model: 'm/1' },
        { name: 'b', model: 'm/2' },
      ],
    })
    expect(isInferenceGraph(g)).toBe(true)
    expect(isInferenceGraph({ ...g, declared: undefined })).toBe(false)
  })

  it('refuses a switch without a default branch, naming what would be valid', () => {
    const spec = {
      name: 'sw',
      kind: 'switch',
      cases: [{ name: 'a', model: 'm/1', when: { header: 'x-tier', op: 'eq', value: 'gold' } }],
    } as unknown as GraphSpec
    const err = strataThrow(() => inferenceGraph(spec))
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toBe(
      'graph "sw": a switch needs a default branch (default: { name, model }) for requests no case matches',
    )
  })

  it('refuses duplicate or invalid node names, unknown kinds and combines, malformed conditions', () => {
    const node = (name: string) => ({ name, model: 'm/1' })
    expect(
      strataThrow(() => inferenceGraph({ name: 'g', kind: 'sequence', steps: [node('a'), node('a')] }))
        .message,
    ).toMatch(/two nodes are named "a"/)
    expect(
      strataThrow(() => inferenceGraph({ name: 'g', kind: 'sequence', steps: [node('A b'), node('c')] }))
        .message,
    ).toMatch(/node name "A b" is invalid/)
    expect(
      strataThrow(() => inferenceGraph({ name: 'g', kind: 'chain' } as unknown as GraphSpec)).message,
    ).toMatch(/kind "chain" is unknown; use "sequence", "ensemble" or "switch"/)
    expect(
      strataThrow(() =>
        inferenceGraph({
          name: 'g',
          kind: 'ensemble',
          combine: 'median',
          members: [node('a'), node('b')],
        } as unknown as GraphSpec),
      ).message,
    ).toMatch(/combine "median" is unknown; use "average" or "vote"/)
    expect(
      strataThrow(() =>
        inferenceGraph({
          name: 'g',
          kind: 'switch',
          cases: [{ ...node('a'), when: { input: 'x', op: 'in', value: 3 } as never }],
          default: node('b'),
        }),
      ).message,
    ).toMatch(/node "a": op "in" takes a list of values/)
    expect(
      strataThrow(() => inferenceGraph({ name: 'g', kind: 'sequence', steps: [node('a')] })).message,
    ).toMatch(/a sequence needs at least two steps/)
  })
})

describe('combining an ensemble', () => {
  it('averages element-wise and votes with ties going to the earliest member', () => {
    const avg = combineOutputs('average', [
      { node: 'a', outputs: [f32('p', [1, 2])] },
      { node: 'b', outputs: [f32('p', [3, 6])] },
    ])
    expect(Array.from(avg[0]?.values as Float32Array)).toEqual([2, 4])
    const vote = combineOutputs('vote', [
      { node: 'a', outputs: [f32('p', [1, 5])] },
      { node: 'b', outputs: [f32('p', [2, 7])] },
      { node: 'c', outputs: [f32('p', [2, 9])] },
    ])
    expect(Array.from(vote[0]?.values as Float32Array)).toEqual([2, 5])
  })

  it('refuses members that answered another shape', () => {
    expect(
      strataThrow(() =>
        combineOutputs('average', [
          { node: 'a', outputs: [f32('p', [1, 2])] },
          { node: 'b', outputs: [f32('p', [1, 2, 3])] },
        ]),
      ).message,
    ).toMatch(/ensemble member "b" answered output "p" as FP32 \[3,1\], member "a" as FP32 \[2,1\]/)
  })
})

describe('switch conditions', () => {
  const x = f32('x', [1, 10, 2, 20], [2, 2])
  it('reads a column of every row, a header, and refuses rows that disagree', () => {
    expect(conditionHolds({ input: 'x', op: 'lt', value: 5 }, [x], undefined, 'n')).toBe(true)
    expect(conditionHolds({ input: 'x', column: 1, op: 'in', value: [10, 20] }, [x], undefined, 'n')).toBe(
      true,
    )
    expect(
      conditionHolds({ header: 'x-tier', op: 'eq', value: 'gold' }, [x], { 'x-tier': 'gold' }, 'n'),
    ).toBe(true)
    expect(conditionHolds({ header: 'x-tier', op: 'eq', value: 'gold' }, [x], {}, 'n')).toBe(false)
    expect(
      strataThrow(() => conditionHolds({ input: 'x', op: 'gt', value: 1 }, [x], undefined, 'node "n"'))
        .message,
    ).toMatch(/node "n": rows 0 and 1 of input "x" take different branches/)
  })
})
