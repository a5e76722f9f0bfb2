import { StrataError } from '../../core/errors.js'
import { allocateValues, elementCount } from '../datatypes.js'
import type { InferTensor } from '../tensor.js'
import type { SwitchCondition } from './graph-definition.js'

/**
 * Combines the members' answers of an ensemble, output by output, element by element:
 * `average` is the mean (computed in float64, stored in the output's datatype); `vote` is the
 * value most members gave (on a tie, the one given by the earliest member among them). Every
 * member's outputs must have the same names and shapes (`INTERNAL` naming the member otherwise).
 */
export function combineOutputs(
  combine: 'average' | 'vote',
  members: readonly { node: string; outputs: readonly InferTensor[] }[],
): InferTensor[] {
  const [first, ...others] = members
  if (first === undefined) return []
  return first.outputs.map((t) => {
    const all = [t]
    for (const m of others) {
      const same = m.outputs.find((o) => o.name === t.name)
      if (same === undefined || same.shape.join(',') !== t.shape.join(',') || same.datatype !== t.datatype) {
        throw new StrataError(
          'INTERNAL',
          `ensemble member "${m.node}" answered output "${t.name}" as ${same === undefined ? 'nothing' : `${same.datatype} [${same.shape.join(',')}]`}, member "${first.node}" as ${t.datatype} [${t.shape.join(',')}]`,
        )
      }
      all.push(same)
    }
    const n = elementCount(t.shape)
    const values = allocateValues(t.datatype, n) as unknown as { [i: number]: unknown; length: number }
    for (let i = 0; i < n; i++) {
      const at = all.map((m) => (m.values as ArrayLike<unknown>)[i])
      values[i] = combine === 'average' ? mean(at as number[]) : vote(at)
    }
    return {
      name: t.name,
      datatype: t.datatype,
      shape: [...t.shape],
      values: values as InferTensor['values'],
    }
  })
}

function mean(xs: readonly number[]): number {
  let s = 0
  for (const x of xs) s += x
  return s / xs.length
}

function vote(xs: readonly unknown[]): unknown {
  const counts = new Map<string, { value: unknown; n: number }>()
  let best: { value: unknown; n: number } | undefined
  for (const x of xs) {
    const key = `${typeof x}:${String(x)}`
    const c = counts.get(key) ?? { value: x, n: 0 }
    c.n++
    counts.set(key, c)
    // strictly more: on a tie the earliest member's value stays
    if (best === undefined || c.n > best.n) best = c
  }
  return best?.value
}

/** The element a condition on an input reads for each row. */
function rowElements(t: InferTensor, column: number): unknown[] {
  const rows = t.shape[0] ?? 1
  const per = rows === 0 ? 0 : elementCount(t.shape) / rows
  const values = t.values as ArrayLike<unknown>
  const out: unknown[] = []
  for (let r = 0; r < rows; r++) out.push(values[r * per + column])
  return out
}

function holds(op: SwitchCondition['op'], actual: unknown, value: unknown, datatype?: string): boolean {
  const a = typeof actual === 'bigint' ? Number(actual) : datatype === 'BOOL' ? actual !== 0 : actual
  if (op === 'in') return (value as readonly unknown[]).some((v) => v === a)
  if (op === 'eq') return a === value
  if (op === 'ne') return a !== value
  const x = a as number
  const y = value as number
  return op === 'lt' ? x < y : op === 'le' ? x <= y : op === 'gt' ? x > y : x >= y
}

/**
 * Whether `when` holds for a request: a header condition on the request's header; an input
 * condition on every row (rows that disagree are `INVALID_ARGUMENT`: one request takes one
 * branch). A request of zero rows matches no input condition.
 */
export function conditionHolds(
  when: SwitchCondition,
  inputs: readonly InferTensor[],
  headers: Readonly<Record<string, string | string[] | undefined>> | undefined,
  where: string,
): boolean {
  if ('header' in when) {
    const raw = headers?.[when.header.toLowerCase()]
    const v = Array.isArray(raw) ? raw[0] : raw
    if (v === undefined) return when.op === 'ne'
    return holds(when.op, v, when.value)
  }
  const t = inputs.find((i) => i.name === when.input)
  if (t === undefined) return false
  const results = rowElements(t, when.column ?? 0).map((e) => holds(when.op, e, when.value, t.datatype))
  if (results.length === 0) return false
  const first = results[0] as boolean
  const other = results.indexOf(!first)
  if (other >= 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${where}: rows 0 and ${other} of input "${t.name}" take different branches (the condition holds for ${first ? 'row 0' : `row ${other}`} only); one request takes one branch, so send them in separate requests`,
      { details: { input: t.name, rows: [0, other] } },
    )
  }
  return first
}
