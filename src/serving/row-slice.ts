import { elementCount } from './datatypes.js'
import type { InferTensor } from './tensor.js'

/** Row `r` of a tensor whose first dimension is the batch, as a tensor of shape `[1, …]`. */
export function tensorRow(t: InferTensor, r: number): InferTensor {
  const per = elementCount(t.shape.slice(1))
  return {
    name: t.name,
    datatype: t.datatype,
    shape: [1, ...t.shape.slice(1)],
    values: t.values.slice(r * per, (r + 1) * per) as InferTensor['values'],
  }
}

/**
 * Row `r` of a tensor as a JSON value: the element itself when a row holds one (`[N]` or
 * `[N, 1]`), else the row's elements in order. 64-bit integers beyond 2^53 become strings, BOOL
 * becomes true/false.
 */
export function rowValue(t: InferTensor, r: number): unknown {
  const row = tensorRow(t, r)
  const values = Array.from(row.values as ArrayLike<unknown>, (v) => {
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()
    if (t.datatype === 'BOOL') return v !== 0
    return v
  })
  return values.length === 1 ? values[0] : values
}
