import { expect, it } from 'vitest'
import type { OnlineValue } from '../ports/index.js'
import type { OnlineStoreCase } from './online-store-case.js'
import { rejectionCode } from './rejection.js'

/** The Strata error code `promise` rejected with (or what it rejected with instead), failing if it resolved. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  const { code, message } = await rejectionCode(promise)
  return code ?? `not a StrataError: ${message}`
}

/** Every kind of JSON value, with edge cases of each. */
const JSON_VALUES: Record<string, OnlineValue> = {
  null: null,
  true: true,
  false: false,
  zero: 0,
  negative: -1.5,
  huge: 1e300,
  tiny: 5e-324,
  maxSafe: Number.MAX_SAFE_INTEGER,
  minSafe: Number.MIN_SAFE_INTEGER,
  pi: Math.PI,
  empty: '',
  unicode: 'naïve 日本語 🎉 \u0000 "quoted" \\ back\nslash\u2028',
  emptyArray: [],
  emptyObject: {},
  array: [1, 'two', null, true, [3.25, [{}]], { k: [] }],
  nested: { a: { b: { c: [1, { d: 'e', f: null }] } }, 'key:with:colons': 1, '': 'empty key', ключ: -0.125 },
}

/** The input cases of the online-store suite: argument errors, JSON fidelity, unusual keys and field names. */
export function inputCases(c: OnlineStoreCase): void {
  it(`${c.name}: rejects empty or non-string namespaces and entity keys with INVALID_ARGUMENT`, async () => {
    const n = c.ns()
    const bad = ['', 42, undefined, null] as unknown as string[]
    for (const namespace of bad) {
      expect(await codeOf(c.store().write(namespace, [c.w('a', 'f', 1, 1)]))).toBe('INVALID_ARGUMENT')
      expect(await codeOf(c.store().read(namespace, ['a']))).toBe('INVALID_ARGUMENT')
      expect(await codeOf(c.store().deleteNamespace(namespace))).toBe('INVALID_ARGUMENT')
    }
    for (const entityKey of bad) {
      expect(await codeOf(c.store().write(n, [c.w(entityKey, 'f', 1, 1)]))).toBe('INVALID_ARGUMENT')
      expect(await codeOf(c.store().read(n, ['ok', entityKey]))).toBe('INVALID_ARGUMENT')
    }
    expect(await codeOf(c.store().write(n, [c.w('a', 'f', 1, Number.NaN)]))).toBe('INVALID_ARGUMENT')
    expect(await codeOf(c.store().write(n, [c.w('a', '', 1, 1)]))).toBe('INVALID_ARGUMENT')
    // A batch with one bad write stores nothing.
    expect(await codeOf(c.store().write(n, [c.w('good', 'f', 1, 1), c.w('', 'f', 1, 1)]))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(await c.store().read(n, ['good'])).toEqual([undefined])
  })

  it(`${c.name}: round-trips every kind of JSON value exactly`, async () => {
    const n = c.ns()
    const writes = Object.entries(JSON_VALUES).map(([field, value]) => c.w('json', field, value, 7))
    expect(await c.store().write(n, writes)).toEqual({ written: writes.length, skipped: 0 })
    const [record] = await c.store().read(n, ['json'])
    for (const [field, value] of Object.entries(JSON_VALUES)) {
      expect(record?.[field]).toEqual({ value, eventTime: 7 })
      expect(JSON.stringify(record?.[field]?.value)).toBe(JSON.stringify(value))
    }
    expect(Object.keys(record ?? {}).sort()).toEqual(Object.keys(JSON_VALUES).sort())
  })

  it(`${c.name}: handles unusual entity keys and field names`, async () => {
    const n = c.ns()
    const keys = ['a:b', 'a', 'b', '%3A', '*', '[x]', '{tag}', 'ключ 🎉', 'k'.repeat(1000)]
    const fields = ['__proto__', 'constructor', 'x:y', '*', '🎉']
    await c.store().write(
      n,
      keys.flatMap((key) => fields.map((field) => c.w(key, field, `${key}/${field}`, 1))),
    )
    const rows = await c.store().read(n, keys)
    rows.forEach((row, i) => {
      expect(Object.getPrototypeOf(row)).toBe(Object.prototype)
      expect(Object.keys(row ?? {}).sort()).toEqual([...fields].sort())
      for (const field of fields) {
        expect(Object.getOwnPropertyDescriptor(row, field)?.value).toEqual({
          value: `${keys[i]}/${field}`,
          eventTime: 1,
        })
      }
    })
  })
}
