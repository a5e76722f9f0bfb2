import fc from 'fast-check'
import type { OnlineField, OnlineValue, OnlineWrite, OnlineWriteResult } from '../ports/index.js'

/** Epoch milliseconds long past: a field written with it reads as missing at once. */
export const PAST = 1
/** 2100-01-01: a field written with it stays live for any test run. */
export const FAR_FUTURE = Date.UTC(2100, 0, 1)

interface ModelField {
  json: string
  eventTime: number
  expiresAt: number | undefined
}

/**
 * The OnlineStore contract as a few lines of pure code, the oracle of the model-based test:
 * every implementation must read exactly what this model reads after the same operations.
 * Values go through JSON like in every store; an expired field counts as absent.
 */
export class OnlineStoreModel {
  readonly #data = new Map<string, Map<string, Map<string, ModelField>>>()

  write(namespace: string, writes: readonly OnlineWrite[], now: number): OnlineWriteResult {
    let written = 0
    for (const w of writes) {
      const entities = this.#data.get(namespace) ?? new Map<string, Map<string, ModelField>>()
      this.#data.set(namespace, entities)
      const record = entities.get(w.entityKey) ?? new Map<string, ModelField>()
      entities.set(w.entityKey, record)
      const old = record.get(w.field)
      const oldLive = old !== undefined && (old.expiresAt === undefined || old.expiresAt > now)
      if (oldLive && w.eventTime < old.eventTime) continue
      record.set(w.field, { json: JSON.stringify(w.value), eventTime: w.eventTime, expiresAt: w.expiresAt })
      written++
    }
    return { written, skipped: writes.length - written }
  }

  read(
    namespace: string,
    entityKeys: readonly string[],
    fields: readonly string[] | undefined,
    now: number,
  ): (Record<string, OnlineField> | undefined)[] {
    return entityKeys.map((entityKey) => {
      const record = this.#data.get(namespace)?.get(entityKey)
      if (record === undefined) return undefined
      const out: Record<string, OnlineField> = {}
      let found = false
      for (const [field, stored] of record) {
        if (fields !== undefined && !fields.includes(field)) continue
        if (stored.expiresAt !== undefined && stored.expiresAt <= now) continue
        out[field] = { value: JSON.parse(stored.json) as OnlineValue, eventTime: stored.eventTime }
        found = true
      }
      return found ? out : undefined
    })
  }

  deleteNamespace(namespace: string): void {
    this.#data.delete(namespace)
  }
}

/** Entity keys of the model test: few, so operations collide; one contains the key separator. */
export const MODEL_KEYS = ['a', 'b', 'a:b'] as const
/** Field names of the model test. */
export const MODEL_FIELDS = ['f', 'g', 'h'] as const
/** How many namespaces the model test spreads operations over. */
export const MODEL_NAMESPACES = 2

/** One step of a model-based run, over indexes into the small key space. */
export type ModelOp =
  | {
      kind: 'write'
      ns: number
      writes: {
        key: number
        field: number
        value: OnlineValue
        eventTime: number
        expiry: 'none' | 'past' | 'future'
      }[]
    }
  | { kind: 'read'; ns: number; keys: number[]; fields: number[] | undefined }
  | { kind: 'delete'; ns: number }

/** Random operation sequences; event times come from 0–3 so equal and older times are frequent. */
export function modelOps(ttl: boolean): fc.Arbitrary<ModelOp[]> {
  const ns = fc.nat({ max: MODEL_NAMESPACES - 1 })
  const key = fc.nat({ max: MODEL_KEYS.length - 1 })
  const field = fc.nat({ max: MODEL_FIELDS.length - 1 })
  const expiry = ttl
    ? fc.constantFrom('none' as const, 'none' as const, 'past' as const, 'future' as const)
    : fc.constant('none' as const)
  const write = fc.record({
    kind: fc.constant('write' as const),
    ns,
    writes: fc.array(
      fc.record({
        key,
        field,
        value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<OnlineValue>,
        eventTime: fc.nat({ max: 3 }),
        expiry,
      }),
      { minLength: 1, maxLength: 4 },
    ),
  })
  const read = fc.record({
    kind: fc.constant('read' as const),
    ns,
    keys: fc.array(key, { maxLength: 4 }),
    fields: fc.option(fc.array(field, { maxLength: 2 }), { nil: undefined }),
  })
  const del = fc.record({ kind: fc.constant('delete' as const), ns })
  return fc.array(
    fc.oneof({ arbitrary: write, weight: 4 }, { arbitrary: read, weight: 4 }, { arbitrary: del, weight: 1 }),
    {
      maxLength: 25,
    },
  )
}

/** The concrete writes of a model write step. */
export function toOnlineWrites(op: Extract<ModelOp, { kind: 'write' }>): OnlineWrite[] {
  return op.writes.map((w) => {
    const write: OnlineWrite = {
      entityKey: MODEL_KEYS[w.key]!,
      field: MODEL_FIELDS[w.field]!,
      value: w.value,
      eventTime: w.eventTime,
    }
    if (w.expiry !== 'none') write.expiresAt = w.expiry === 'past' ? PAST : FAR_FUTURE
    return write
  })
}
