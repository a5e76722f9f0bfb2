import { StrataError } from '../../core/errors.js'
import { ownValue } from '../../core/own-property.js'
import { parseTimestamp } from '../../core/time.js'
import type { OnlineField, OnlineStore } from '../../ports/index.js'
import type { FeatureType, FeatureView, RetrievalPlan } from '../definitions/index.js'
import {
  compileOnDemand,
  entityKey,
  fromStoredValue,
  isInvalid,
  normalizeKey,
  type OnDemandRunner,
  showValue,
  toStoredValue,
} from '../definitions/index.js'
import { onlineLayout } from './online-layout.js'

/** Per-value status of an online lookup (Feast's `FieldStatus` names). */
export type FieldStatus = 'PRESENT' | 'NULL_VALUE' | 'NOT_FOUND' | 'OUTSIDE_MAX_AGE'

/** Entity rows of an online request: row objects, or columns (join key → values) as Feast sends them. */
export type OnlineEntities =
  | readonly Readonly<Record<string, unknown>>[]
  | Readonly<Record<string, readonly unknown[]>>

/** The result of an online lookup, in request order. */
export interface OnlineFeatures<V = Record<string, unknown>> {
  /** Output feature names, in order. */
  features: string[]
  /** One object of typed values per entity row (`null` when not PRESENT). */
  rows: V[]
  /** `statuses[row][i]` is the status of `features[i]`. */
  statuses: FieldStatus[][]
  /** `eventTimes[row][i]`: event time (epoch ms) of the value, `null` when none was found. */
  eventTimes: (number | null)[][]
}

interface PlannedRead {
  namespace: string
  keys: readonly string[]
  keyTypes: Readonly<Record<string, 'string' | 'int'>>
  fields: string[]
  views: { view: FeatureView; field: string; features: { name: string; type: FeatureType; out: number }[] }[]
}

/** A retrieval plan bound to the online layout: which namespaces and fields one request reads. */
export interface OnlinePlan {
  plan: RetrievalPlan
  reads: PlannedRead[]
  /** Output index of each on-demand feature, in plan order. */
  onDemandOut: number[]
  /** Each on-demand feature's compiled function, in plan order. */
  onDemandRun: OnDemandRunner[]
  /** On-demand inputs (`view:feature`) → output index or hidden slot. */
  inputSlots: Map<string, number>
  slotCount: number
}

/** Binds a plan to the online layout given each view's registered data hash. */
export function planOnline(
  plan: RetrievalPlan,
  prefix: string,
  dataHashes: ReadonlyMap<string, string>,
): OnlinePlan {
  const reads = new Map<string, PlannedRead>()
  const inputSlots = new Map<string, number>()
  let slotCount = plan.outputs.length
  const outIndex = new Map<string, number>()
  plan.outputs.forEach((o, i) => {
    if ('view' in o.from) outIndex.set(`${o.from.view}:${o.from.feature}`, i)
  })
  for (const { view, features } of plan.views) {
    const layout = onlineLayout(prefix, view, dataHashes.get(view.name) ?? '')
    let read = reads.get(layout.namespace)
    if (read === undefined) {
      read = {
        namespace: layout.namespace,
        keys: layout.keys,
        keyTypes: view.keyTypes,
        fields: [],
        views: [],
      }
      reads.set(layout.namespace, read)
    }
    read.fields.push(layout.field)
    read.views.push({
      view,
      field: layout.field,
      features: features.map((f) => {
        let out = outIndex.get(`${view.name}:${f}`)
        if (out === undefined) out = slotCount++
        inputSlots.set(`${view.name}:${f}`, out)
        return { name: f, type: ownValue(view.features, f) ?? 'string', out }
      }),
    })
  }
  const onDemandOut = plan.onDemand.map((o) => plan.outputs.findIndex((p) => p.name === o.name))
  const onDemandRun = plan.onDemand.map((o) => compileOnDemand(o, 'serving online features'))
  return { plan, reads: [...reads.values()], onDemandOut, onDemandRun, inputSlots, slotCount }
}

/**
 * Reads the latest materialized values for each entity row: one `read` per namespace (so one
 * key per entity for all views sharing its join keys), run concurrently. A value older than
 * its view's ttl at `options.now` (epoch ms) is `OUTSIDE_MAX_AGE`; on-demand features are computed from the
 * values read and the request fields with the same function used offline.
 */
export async function readOnlineFeatures(
  online: OnlineStore,
  bound: OnlinePlan,
  entities: OnlineEntities,
  options: { requestContext?: OnlineEntities; now: number },
): Promise<OnlineFeatures> {
  const rowsIn = toRows(entities, 'entities')
  if (!Array.isArray(entities)) {
    // Columns say which keys they hold even with no rows: a missing key column is an error, not 0 rows.
    const names = Object.keys(entities as object)
    for (const read of bound.reads) {
      const missing = read.keys.find((k) => !names.includes(k))
      if (missing !== undefined) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `entities lack join key "${missing}" (needed by ${read.views.map((v) => `"${v.view.name}"`).join(', ')}); they have ${names.join(', ') || 'no columns'}`,
        )
      }
    }
  }
  const context =
    options.requestContext === undefined ? undefined : toRows(options.requestContext, 'request_context')
  const n = rowsIn.length
  if (context !== undefined && context.length !== n) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `request_context has ${context.length} rows but entities have ${n}`,
    )
  }
  const now = options.now
  const results = await Promise.all(
    bound.reads.map((read) =>
      online.read(
        read.namespace,
        rowsIn.map((row, i) => keyOf(read, row, i)),
        read.fields,
      ),
    ),
  )
  const { plan } = bound
  const outputs = plan.outputs
  const rows: Record<string, unknown>[] = []
  const statuses: FieldStatus[][] = []
  const eventTimes: (number | null)[][] = []
  for (let r = 0; r < n; r++) {
    const values: unknown[] = new Array(bound.slotCount).fill(null)
    const status: FieldStatus[] = new Array(outputs.length).fill('NOT_FOUND')
    const times: (number | null)[] = new Array(outputs.length).fill(null)
    bound.reads.forEach((read, g) => {
      const record = results[g]?.[r]
      for (const v of read.views) {
        const field: OnlineField | undefined = record?.[v.field]
        const expired = field !== undefined && v.view.ttlMs !== null && now - field.eventTime > v.view.ttlMs
        for (const f of v.features) {
          if (f.out < outputs.length) {
            times[f.out] = field === undefined ? null : field.eventTime
            status[f.out] = field === undefined ? 'NOT_FOUND' : expired ? 'OUTSIDE_MAX_AGE' : 'PRESENT'
          }
          if (field === undefined || expired) continue
          const stored = (field.value as Record<string, unknown> | null)?.[f.name] ?? null
          values[f.out] = fromStoredValue(f.type, stored)
          if (stored === null && f.out < outputs.length) status[f.out] = 'NULL_VALUE'
        }
      }
    })
    if (plan.onDemand.length > 0) {
      const inputs: Record<string, unknown> = {}
      for (const [name, slot] of bound.inputSlots) inputs[name] = values[slot]
      for (const [field, type] of Object.entries(plan.requestFields)) {
        inputs[field] = requestValue(field, type, context?.[r]?.[field] ?? rowsIn[r]?.[field])
      }
      plan.onDemand.forEach((odfv, i) => {
        const out = bound.onDemandOut[i] ?? -1
        const run = bound.onDemandRun[i] as OnDemandRunner
        const value = fromStoredValue(odfv.type, run(inputs))
        values[out] = value
        status[out] = value === null ? 'NULL_VALUE' : 'PRESENT'
        times[out] = now
      })
    }
    const row: Record<string, unknown> = {}
    for (let i = 0; i < outputs.length; i++) row[(outputs[i] as { name: string }).name] = values[i]
    rows.push(row)
    statuses.push(status)
    eventTimes.push(times)
  }
  return { features: outputs.map((o) => o.name), rows, statuses, eventTimes }
}

function keyOf(read: PlannedRead, row: Readonly<Record<string, unknown>>, index: number): string {
  const values: unknown[] = []
  for (const k of read.keys) {
    const raw = row[k]
    if (raw === undefined || raw === null) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `entity row ${index} lacks join key "${k}" (needed by ${read.views.map((v) => `"${v.view.name}"`).join(', ')})`,
      )
    }
    const key = normalizeKey(read.keyTypes[k] ?? 'string', raw)
    if (key === undefined) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `entity row ${index} has ${k} = ${showValue(raw)}; it must be ${read.keyTypes[k] === 'int' ? 'an integer' : 'a string'}`,
      )
    }
    values.push(key)
  }
  // The layout's key order (`read.keys` is `onlineLayout`'s sorted join keys).
  return entityKey(values)
}

function requestValue(field: string, type: FeatureType, raw: unknown): unknown {
  const value = type === 'timestamp' && typeof raw === 'string' ? (parseTimestamp(raw) ?? Number.NaN) : raw
  const stored = toStoredValue(type, value)
  if (isInvalid(stored)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `request field "${field}" is ${showValue(raw)}; it is declared ${type}`,
      { details: { field, value: showValue(raw), expected: type } },
    )
  }
  return fromStoredValue(type, stored)
}

function toRows(entities: OnlineEntities, what: string): Readonly<Record<string, unknown>>[] {
  if (Array.isArray(entities)) return entities as Readonly<Record<string, unknown>>[]
  if (typeof entities !== 'object' || entities === null) {
    throw new StrataError('INVALID_ARGUMENT', `${what} must be rows or an object of column → values`)
  }
  const columns = Object.entries(entities as Record<string, readonly unknown[]>)
  let n: number | undefined
  for (const [name, values] of columns) {
    if (!Array.isArray(values)) {
      throw new StrataError('INVALID_ARGUMENT', `${what}.${name} must be an array of values`)
    }
    if (n !== undefined && values.length !== n) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `${what} columns have different lengths (${name} has ${values.length}, expected ${n})`,
      )
    }
    n = values.length
  }
  const rows: Record<string, unknown>[] = []
  for (let i = 0; i < (n ?? 0); i++) {
    const row: Record<string, unknown> = {}
    for (const [name, values] of columns) row[name] = values[i]
    rows.push(row)
  }
  return rows
}
