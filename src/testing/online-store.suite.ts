import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { OnlineStore, OnlineStoreCapabilities } from '../ports/index.js'
import { type OnlineStoreCase, onlineWrite } from './online-store-case.js'
import { expiryCases } from './online-store-expiry-cases.js'
import { inputCases } from './online-store-input-cases.js'
import {
  MODEL_FIELDS,
  MODEL_KEYS,
  MODEL_NAMESPACES,
  modelOps,
  OnlineStoreModel,
  toOnlineWrites,
} from './online-store-model.js'

/** Options of {@link describeOnlineStore}. */
export interface OnlineStoreSuiteOptions {
  /** Backend name, shown in every test name. */
  name: string
  /** An open store. Stores may be shared between tests: the suite uses fresh namespaces and deletes them. */
  create: () => OnlineStore | Promise<OnlineStore>
  /** The capabilities the store must declare; default `{ ttl: true }`. */
  capabilities?: Partial<OnlineStoreCapabilities>
  /**
   * The same store as `create` but judging expiry by the given clock, for the case where
   * a field expires after it was written. Without it that case is skipped, saying why.
   */
  createWithClock?: (now: () => number) => OnlineStore | Promise<OnlineStore>
  /** Runs of the randomized model-based test; default 60. */
  modelRuns?: number
}

/**
 * The OnlineStore contract: round trips, ordering, event-time conflict rules, expiry,
 * namespace isolation, argument errors, JSON fidelity, atomicity under concurrent writes,
 * and a randomized model-based test against {@link OnlineStoreModel} that makes every
 * implementation read identically after the same operations.
 *
 * @example
 * describeOnlineStore({ name: 'sqlite', create: () => new SqliteOnlineStore({ path: ':memory:' }) })
 */
export function describeOnlineStore(options: OnlineStoreSuiteOptions): void {
  const { name, create } = options
  const capabilities: OnlineStoreCapabilities = { ttl: true, ...options.capabilities }
  const runId = randomUUID().slice(0, 8)
  const ttlIt = capabilities.ttl ? it : it.skip
  const ttlNote = capabilities.ttl ? '' : ` (skipped: ${name} declares capabilities.ttl = false)`
  const createWithClock = capabilities.ttl ? options.createWithClock : undefined
  const clockIt = createWithClock === undefined ? it.skip : it
  const clockNote =
    createWithClock === undefined
      ? ttlNote || ` (skipped: the ${name} suite passes no createWithClock to control time)`
      : ''

  describe(`OnlineStore conformance: ${name}`, () => {
    let store: OnlineStore
    let used: Set<string>
    let counter = 0
    /** A namespace no other test or run uses; deleted after the test. */
    const ns = (label = 'ns'): string => {
      const namespace = `t${runId}-${counter++}-${label}`
      used.add(namespace)
      return namespace
    }
    const w = onlineWrite
    const cases: OnlineStoreCase = { name, store: () => store, ns, w }

    beforeEach(async () => {
      store = await create()
      used = new Set()
    })
    afterEach(async () => {
      for (const namespace of used) await store.deleteNamespace(namespace)
      await store.close()
    })

    it(`${name}: declares its kind and capabilities`, () => {
      expect(typeof store.kind).toBe('string')
      expect(store.kind).not.toBe('')
      expect(store.capabilities).toEqual(capabilities)
    })

    it(`${name}: reads back what was written, field by field`, async () => {
      const n = ns()
      const result = await store.write(n, [
        w('SFO', 'delays', { avg: 7.5, n: 12 }, 1000),
        w('SFO', 'weather', { temp: 18 }, 2000),
        w('JFK', 'delays', { avg: 3, n: 4 }, 1500),
      ])
      expect(result).toEqual({ written: 3, skipped: 0 })
      expect(await store.read(n, ['SFO', 'JFK'])).toEqual([
        {
          delays: { value: { avg: 7.5, n: 12 }, eventTime: 1000 },
          weather: { value: { temp: 18 }, eventTime: 2000 },
        },
        { delays: { value: { avg: 3, n: 4 }, eventTime: 1500 } },
      ])
      expect(await store.write(n, [])).toEqual({ written: 0, skipped: 0 })
    })

    it(`${name}: writeAtomic writes several namespaces as one unit, with the event-time rule`, async () => {
      const a = ns('a')
      const b = ns('b')
      await store.write(a, [w('SFO', 'delays', { avg: 1 }, 5000)])
      const results = await store.writeAtomic([
        {
          namespace: a,
          writes: [w('SFO', 'delays', { avg: 2 }, 4000), w('JFK', 'delays', { avg: 3 }, 4000)],
        },
        { namespace: b, writes: [] },
        { namespace: b, writes: [w('SFO|JFK', 'route', { n: 9 }, 4000)] },
      ])
      expect(results).toEqual([
        { written: 1, skipped: 1 },
        { written: 0, skipped: 0 },
        { written: 1, skipped: 0 },
      ])
      expect(await store.read(a, ['SFO', 'JFK'])).toEqual([
        { delays: { value: { avg: 1 }, eventTime: 5000 } },
        { delays: { value: { avg: 3 }, eventTime: 4000 } },
      ])
      expect(await store.read(b, ['SFO|JFK'])).toEqual([{ route: { value: { n: 9 }, eventTime: 4000 } }])
      expect(await store.writeAtomic([])).toEqual([])
    })

    // A push to a push source feeding two views of one entity: two batches, one namespace.
    it(`${name}: writeAtomic applies batches of one namespace in order, fields side by side`, async () => {
      const a = ns('a')
      await store.write(a, [w('SFO', 'v2', { n: 1 }, 9000)])
      const results = await store.writeAtomic([
        { namespace: a, writes: [w('SFO', 'v1', { avg: 2 }, 5000), w('JFK', 'v1', { avg: 3 }, 5000)] },
        {
          namespace: a,
          writes: [
            w('SFO', 'v2', { n: 2 }, 5000),
            w('JFK', 'v2', { n: 3 }, 5000),
            w('JFK', 'v1', { avg: 0 }, 4000),
          ],
        },
      ])
      expect(results).toEqual([
        { written: 2, skipped: 0 },
        { written: 1, skipped: 2 },
      ])
      expect(await store.read(a, ['SFO', 'JFK'])).toEqual([
        { v1: { value: { avg: 2 }, eventTime: 5000 }, v2: { value: { n: 1 }, eventTime: 9000 } },
        { v1: { value: { avg: 3 }, eventTime: 5000 }, v2: { value: { n: 3 }, eventTime: 5000 } },
      ])
    })

    it(`${name}: writeAtomic with an invalid write in a later batch writes no batch`, async () => {
      const a = ns('a')
      const b = ns('b')
      await expect(
        store.writeAtomic([
          { namespace: a, writes: [w('SFO', 'delays', { avg: 2 }, 4000)] },
          { namespace: b, writes: [w('', 'route', { n: 9 }, 4000)] },
        ]),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
      expect(await store.read(a, ['SFO'])).toEqual([undefined])
    })

    it(`${name}: answers in request order, with duplicates and undefined for missing entities`, async () => {
      const n = ns()
      await store.write(n, [w('a', 'f', 'A', 1), w('b', 'f', 'B', 1)])
      const rows = await store.read(n, ['b', 'missing', 'a', 'b'])
      expect(rows).toEqual([
        { f: { value: 'B', eventTime: 1 } },
        undefined,
        { f: { value: 'A', eventTime: 1 } },
        { f: { value: 'B', eventTime: 1 } },
      ])
      expect(rows[0]).not.toBe(rows[3])
      expect(await store.read(n, [])).toEqual([])
      expect(await store.read(ns('empty'), ['a', 'b'])).toEqual([undefined, undefined])
    })

    it(`${name}: reads a batch of thousands of keys (past any internal chunking) in request order`, async () => {
      const n = ns()
      const written = Array.from({ length: 2500 }, (_, i) => `e${i}`)
      await store.write(
        n,
        written.flatMap((key, i) => [w(key, 'f', i, 1), ...(i % 2 === 0 ? [w(key, 'g', -i - 1, 2)] : [])]),
      )
      // Reversed, with a missing key every 100 and the first key again at the end.
      const keys = [...written].reverse().flatMap((key, j) => (j % 100 === 0 ? [key, 'missing'] : [key]))
      keys.push('e0')
      const expected = (key: string) => {
        if (key === 'missing') return undefined
        const i = Number(key.slice(1))
        return {
          f: { value: i, eventTime: 1 },
          ...(i % 2 === 0 ? { g: { value: -i - 1, eventTime: 2 } } : {}),
        }
      }
      expect(await store.read(n, keys)).toEqual(keys.map(expected))
      expect(await store.read(n, keys, ['g'])).toEqual(
        keys.map((key) => {
          const g = expected(key)?.g
          return g === undefined ? undefined : { g }
        }),
      )
    })

    it(`${name}: returns only the requested fields`, async () => {
      const n = ns()
      await store.write(n, [w('a', 'f', 1, 1), w('a', 'g', 2, 1), w('b', 'f', 3, 1)])
      expect(await store.read(n, ['a', 'b'], ['g', 'absent'])).toEqual([
        { g: { value: 2, eventTime: 1 } },
        undefined,
      ])
      expect(await store.read(n, ['a'], ['f', 'g'])).toEqual([
        { f: { value: 1, eventTime: 1 }, g: { value: 2, eventTime: 1 } },
      ])
      expect(await store.read(n, ['a', 'b'], [])).toEqual([undefined, undefined])
    })

    it(`${name}: never replaces a field with an older event time; an equal one replaces`, async () => {
      const n = ns()
      await store.write(n, [w('a', 'f', 'v100', 100), w('a', 'g', 'g100', 100)])
      expect(await store.write(n, [w('a', 'f', 'v50', 50), w('a', 'g', 'g150', 150)])).toEqual({
        written: 1,
        skipped: 1,
      })
      expect(await store.read(n, ['a'])).toEqual([
        { f: { value: 'v100', eventTime: 100 }, g: { value: 'g150', eventTime: 150 } },
      ])
      expect(await store.write(n, [w('a', 'f', 'again', 100)])).toEqual({ written: 1, skipped: 0 })
      expect(await store.read(n, ['a'], ['f'])).toEqual([{ f: { value: 'again', eventTime: 100 } }])
    })

    it(`${name}: applies a batch in order, counting each write`, async () => {
      const n = ns()
      const result = await store.write(n, [
        w('a', 'f', 'first', 5),
        w('a', 'f', 'older', 3),
        w('a', 'f', 'last', 5),
      ])
      expect(result).toEqual({ written: 2, skipped: 1 })
      expect(await store.read(n, ['a'])).toEqual([{ f: { value: 'last', eventTime: 5 } }])
    })

    it(`${name}: keeps the newest value under concurrent writes to one field`, async () => {
      const n = ns()
      const times = Array.from({ length: 24 }, (_, i) => (i * 7) % 24)
      const results = await Promise.all(times.map((t) => store.write(n, [w('hot', 'f', { t }, t)])))
      const written = results.reduce((sum, r) => sum + r.written, 0)
      expect(written + results.reduce((sum, r) => sum + r.skipped, 0)).toBe(times.length)
      expect(written).toBeGreaterThanOrEqual(1)
      expect(await store.read(n, ['hot'])).toEqual([{ f: { value: { t: 23 }, eventTime: 23 } }])
    })

    expiryCases(cases, { ttlIt, ttlNote, clockIt, clockNote, createWithClock })

    it(`${name}: deletes one namespace only, idempotently`, async () => {
      const base = ns('iso')
      const others = [`${base}:x`, `${base}*`, `${base}%3Ax`, `${base}x`]
      for (const other of others) used.add(other)
      await store.write(base, [w('x:k', 'f', 'base', 1)])
      for (const other of others) await store.write(other, [w('k', 'f', other, 1), w('x:k', 'f', other, 1)])
      expect(await store.read(`${base}:x`, ['k'])).toEqual([{ f: { value: `${base}:x`, eventTime: 1 } }])
      await store.deleteNamespace(base)
      expect(await store.read(base, ['x:k'])).toEqual([undefined])
      for (const other of others) {
        expect(await store.read(other, ['k', 'x:k'])).toEqual([
          { f: { value: other, eventTime: 1 } },
          { f: { value: other, eventTime: 1 } },
        ])
      }
      await store.deleteNamespace(base)
      await store.deleteNamespace(ns('never-written'))
      expect(await store.write(base, [w('x:k', 'f', 'again', 0)])).toEqual({ written: 1, skipped: 0 })
    })

    inputCases(cases)

    it(`${name}: reads exactly like the reference model over random operation sequences`, async () => {
      let run = 0
      await fc.assert(
        fc.asyncProperty(modelOps(capabilities.ttl), async (ops) => {
          const namespaces = Array.from({ length: MODEL_NAMESPACES }, (_, i) => ns(`model${run}-${i}`))
          run++
          const model = new OnlineStoreModel()
          for (const op of ops) {
            const namespace = namespaces[op.ns]!
            if (op.kind === 'write') {
              const writes = toOnlineWrites(op)
              const expected = model.write(namespace, writes, Date.now())
              expect(await store.write(namespace, writes)).toEqual(expected)
            } else if (op.kind === 'read') {
              const keys = op.keys.map((k) => MODEL_KEYS[k]!)
              const fields = op.fields?.map((f) => MODEL_FIELDS[f]!)
              expect(await store.read(namespace, keys, fields)).toEqual(
                model.read(namespace, keys, fields, Date.now()),
              )
            } else {
              model.deleteNamespace(namespace)
              await store.deleteNamespace(namespace)
            }
          }
          for (const namespace of namespaces) {
            expect(await store.read(namespace, MODEL_KEYS)).toEqual(
              model.read(namespace, MODEL_KEYS, undefined, Date.now()),
            )
          }
        }),
        { numRuns: options.modelRuns ?? 60 },
      )
    })
  })
}
