import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeEntryRows, encodeEntryRow, encodeValues, entryRow } from './payload-encoding.js'
import type { PredictionEntry } from './payload-types.js'
import { jsonSafe } from './values-json.js'

type Tensor = { name: string; datatype: string; shape: number[]; values: unknown }

/** The stored text the general way: an object of `{ datatype, shape, data }` stringified. */
function reference(tensors: readonly Tensor[], redact: ReadonlySet<string>): string {
  const out: Record<string, unknown> = {}
  for (const t of tensors)
    out[t.name] = redact.has(t.name)
      ? '[redacted]'
      : { datatype: t.datatype, shape: [...t.shape], data: jsonSafe(t.values) }
  return JSON.stringify(out)
}

const float = fc.oneof(
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e-7, 1e21),
)
const bigint = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }),
)
const values = fc.oneof(
  fc.array(float, { maxLength: 8 }).map((xs) => Float32Array.from(xs)),
  fc.array(float, { maxLength: 8 }).map((xs) => Float64Array.from(xs)),
  fc
    .array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 8 })
    .map((xs) => Int32Array.from(xs)),
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 8 }).map((xs) => Uint8Array.from(xs)),
  fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 8 }).map((xs) => Uint16Array.from(xs)),
  fc.array(bigint, { maxLength: 8 }).map((xs) => BigInt64Array.from(xs)),
  fc
    .array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { maxLength: 8 })
    .map((xs) => BigUint64Array.from(xs)),
  fc.array(fc.string(), { maxLength: 4 }),
)
const tensor = fc.record({
  name: fc.oneof(fc.constantFrom('x', 'y', '__proto__', 'a"b'), fc.string({ maxLength: 4 })),
  datatype: fc.constantFrom('FP32', 'INT64', 'BYTES'),
  shape: fc.array(fc.nat({ max: 9 }), { maxLength: 3 }),
  values,
})

describe('payload row encoding', () => {
  it('writes a tensor list as exactly the text of its stored object (typed arrays joined directly)', () => {
    fc.assert(
      fc.property(
        fc.array(tensor, { maxLength: 4 }),
        fc.subarray(['x', 'y', '__proto__']),
        (tensors, red) => {
          const redact = new Set(red)
          expect(encodeValues(tensors, redact)).toBe(reference(tensors, redact))
        },
      ),
      { numRuns: 500 },
    )
  })

  it('stores NaN, infinities and BigInts beyond 2^53 as strings, like the general way', () => {
    const tensors = [
      { name: 'f', datatype: 'FP32', shape: [3], values: Float32Array.from([1.5, Number.NaN, -Infinity]) },
      { name: 'i', datatype: 'INT64', shape: [2], values: BigInt64Array.from([2n ** 60n, -3n]) },
    ]
    expect(JSON.parse(encodeValues(tensors, new Set()))).toEqual({
      f: { datatype: 'FP32', shape: [3], data: [1.5, 'NaN', '-Infinity'] },
      i: { datatype: 'INT64', shape: [2], data: [String(2n ** 60n), -3] },
    })
  })

  it('an encoded row decodes to the row an entry is stored as, batch given when written', () => {
    const entry: PredictionEntry = {
      id: '0192f3a1b2c4-9f03a1b2c4d5e6f7',
      at: 1_700_000_000_123,
      endpoint: 'delay',
      modelName: 'delay-model',
      modelVersion: 3,
      deploymentRevision: 'r2',
      requestId: 'req-"7"',
      entityKey: { route: 'ORD-LGA', origin: 'ORD' },
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 2], values: Float32Array.from([0.1, 2]) }],
      outputs: [{ name: 'label', datatype: 'INT64', shape: [1], values: BigInt64Array.from([1n]) }],
      latencyMs: 0.25,
      status: 'ok',
      error: null,
      featureViews: [{ name: 'airport', version: 2 }],
    }
    const failed: PredictionEntry = {
      ...entry,
      id: '0192f3a1b2c4-0000000000000001',
      outputs: null,
      status: 'error',
      error: 'boom',
      entityKey: null,
      featureViews: null,
      inputs: { amount: 3, tags: ['a'] },
    }
    const redact = new Set(['label'])
    const json = `[${[entry, failed].map((e) => encodeEntryRow(e, redact)).join(',')}]`
    expect(decodeEntryRows(json, 'b1')).toEqual([
      entryRow(entry, 'b1', redact),
      entryRow(failed, 'b1', redact),
    ])
    expect(decodeEntryRows('[]', 'b2')).toEqual([])
    expect(() => decodeEntryRows('{}', 'b3')).toThrow(/JSON array/)
  })
})
