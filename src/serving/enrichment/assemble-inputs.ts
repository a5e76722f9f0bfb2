import { StrataError } from '../../core/errors.js'
import type { FieldStatus, OnlineFeatures } from '../../features/index.js'
import { allocateValues, type OipDatatype } from '../datatypes.js'
import type { InferTensor } from '../tensor.js'
import type { InputLayout } from './input-layout.js'

const STATUS_WHY: Record<Exclude<FieldStatus, 'PRESENT' | 'NULL_VALUE'>, string> = {
  NOT_FOUND: 'has no online value (NOT_FOUND: the entity is unknown or the view is not materialized)',
  OUTSIDE_MAX_AGE: "is stale (OUTSIDE_MAX_AGE: its newest value is older than the view's ttl)",
}

/**
 * The model's input tensors for `rows` (entity keys and request values) and their online
 * features. A feature's value comes from the online lookup, any other name from the request
 * row. A value that is missing (`NOT_FOUND`), stale beyond its view's ttl (`OUTSIDE_MAX_AGE`) or
 * absent from both fails with `FAILED_PRECONDITION` naming the entity, the name and the status —
 * never a plausible default. A `NULL_VALUE` (a stored null) becomes NaN in a float input, the
 * missing value the model was trained with (training sets read null as NaN), and fails in any
 * other input. With `nullIsMissing` (offline rows: a training set, a feature table), a null
 * request value is treated the same way.
 */
export function assembleInputs(
  layout: InputLayout,
  rows: readonly Readonly<Record<string, unknown>>[],
  online: OnlineFeatures,
  options: { nullIsMissing?: boolean } = {},
): InferTensor[] {
  const featureIndex = new Map(online.features.map((f, i) => [f, i]))
  const value = (row: number, name: string, datatype: OipDatatype): unknown => {
    const fi = featureIndex.get(name)
    const request = rows[row] as Readonly<Record<string, unknown>>
    if (fi === undefined) {
      if (options.nullIsMissing === true && request[name] === null) {
        if (datatype === 'FP32' || datatype === 'FP64') return Number.NaN
      }
      if (!Object.hasOwn(request, name) || request[name] === undefined) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `entity row ${row} has no "${name}": the model needs it and it is not a feature of the service; pass it in the row (given: ${Object.keys(request).join(', ') || 'nothing'})`,
          { details: { row, missing: name } },
        )
      }
      return request[name]
    }
    const status = online.statuses[row]?.[fi] ?? 'NOT_FOUND'
    if (status === 'PRESENT') return (online.rows[row] as Record<string, unknown>)[name]
    if (status === 'NULL_VALUE') {
      if (datatype === 'FP32' || datatype === 'FP64') return Number.NaN
      throw new StrataError(
        'FAILED_PRECONDITION',
        `feature "${name}" of entity ${entityLabel(request)} is null online and the model's input is ${datatype}, which has no missing value`,
        { details: { row, feature: name, status } },
      )
    }
    throw new StrataError(
      'FAILED_PRECONDITION',
      `feature "${name}" of entity ${entityLabel(request)} ${STATUS_WHY[status]}`,
      {
        details: { row, feature: name, status },
      },
    )
  }
  if (layout.kind === 'matrix') {
    const { input, columns } = layout
    const values = allocateValues(input.datatype, rows.length * columns.length)
    for (let r = 0; r < rows.length; r++)
      for (let c = 0; c < columns.length; c++) {
        const name = columns[c] as string
        put(values, r * columns.length + c, value(r, name, input.datatype), input.datatype, name, r)
      }
    return [{ name: input.name, datatype: input.datatype, shape: [rows.length, columns.length], values }]
  }
  return layout.inputs.map((input) => {
    const values = allocateValues(input.datatype, rows.length)
    for (let r = 0; r < rows.length; r++)
      put(values, r, value(r, input.name, input.datatype), input.datatype, input.name, r)
    return {
      name: input.name,
      datatype: input.datatype,
      shape: input.shape.length === 1 ? [rows.length] : [rows.length, 1],
      values,
    }
  })
}

function put(
  values: InferTensor['values'],
  at: number,
  v: unknown,
  datatype: OipDatatype,
  name: string,
  row: number,
): void {
  const bad = (expected: string) =>
    new StrataError(
      'INVALID_ARGUMENT',
      `"${name}" of entity row ${row} is ${JSON.stringify(v) ?? String(v)}; the model's input is ${datatype}, so it must be ${expected}`,
      { details: { row, name, datatype } },
    )
  if (datatype === 'BYTES') {
    if (typeof v !== 'string') throw bad('a string')
    ;(values as string[])[at] = v
    return
  }
  if (datatype === 'BOOL') {
    if (typeof v !== 'boolean') throw bad('true or false')
    ;(values as Uint8Array)[at] = v ? 1 : 0
    return
  }
  const n = typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'bigint' ? Number(v) : v
  if (typeof n !== 'number') throw bad('a number')
  if (datatype === 'FP32' || datatype === 'FP64') {
    ;(values as Float32Array)[at] = n
    return
  }
  if (datatype === 'FP16') {
    throw new StrataError('UNSUPPORTED', `input "${name}" is FP16, which features cannot fill yet; use FP32`)
  }
  if (!Number.isInteger(n)) throw bad('a whole number')
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    if (values instanceof BigUint64Array && n < 0) throw bad('a whole number ≥ 0')
    values[at] = BigInt(n)
    return
  }
  const ints = values as Int32Array
  ints[at] = n
  // a typed array wraps what does not fit: read it back
  if (ints[at] !== n) throw bad(`a whole number in the range of ${datatype}`)
}

function entityLabel(row: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(row)
}
