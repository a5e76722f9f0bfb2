import type { z } from 'zod'
import { StrataError } from '../../core/errors.js'
import { feastOnlineRequestSchema } from '../../core/rest/index.js'
import type { FeatureCatalog, FieldStatus, OnlineFeatures, OnlineRequest } from '../../features/index.js'

/** Feast's `POST /get-online-features` request body. */
export interface FeastOnlineRequest {
  features?: string[]
  feature_service?: string | null
  /** Join key (and request field) → values, one per entity row. */
  entities: Record<string, unknown[]>
  full_feature_names?: boolean
  request_context?: Record<string, unknown[]>
}

/** One column of Feast's columnar response. */
export interface FeastOnlineResult {
  values: unknown[]
  statuses: FieldStatus[]
  event_timestamps: string[]
}

/** Feast's `get-online-features` response: one result per name in `metadata.feature_names`. */
export interface FeastOnlineResponse {
  metadata: { feature_names: string[] }
  results: FeastOnlineResult[]
}

const EPOCH = '1970-01-01T00:00:00Z'

/** Options of {@link createFeastOnlineResolver}. */
export interface FeastOnlineOptions {
  /**
   * Statuses as `feast serve` gives them: a stored null is `PRESENT` (with a null value), where
   * Strata's own `/features/online` says `NULL_VALUE`. A value past its view's ttl stays
   * `OUTSIDE_MAX_AGE` with a null value either way (`feast serve` serves it as `PRESENT`; Strata
   * never serves an expired value — a documented difference).
   */
  feastStatuses?: boolean
}

/** What the handler needs from the feature store. */
export interface FeastOnlineBackend {
  readonly catalog: FeatureCatalog
  getOnlineFeatures(request: OnlineRequest): Promise<OnlineFeatures>
}

/**
 * The handler of `POST /features/online` (and Feast's `/get-online-features`): takes Feast's
 * request body and returns its columnar response — join keys first, then each feature, with
 * `PRESENT` / `NULL_VALUE` / `NOT_FOUND` / `OUTSIDE_MAX_AGE` statuses and ISO event timestamps.
 * Request-time values for on-demand features may come in `entities` (as Feast's Python server
 * takes them) or in `request_context`. Invalid bodies reject with `INVALID_ARGUMENT`.
 *
 * @example
 * const handle = createFeastOnlineHandler(store)
 * const response = await handle({ features: ['airport_delays:late_share_1h'], entities: { origin: ['SFO'] } })
 */
export function createFeastOnlineHandler(
  store: FeastOnlineBackend,
): (body: unknown) => Promise<FeastOnlineResponse> {
  const resolve = createFeastOnlineResolver(store)
  return async (body) => {
    const parsed = feastOnlineRequestSchema.safeParse(body)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new StrataError(
        'INVALID_ARGUMENT',
        `invalid get-online-features request: "${issue?.path.join('.') || '(body)'}" ${issue?.message ?? 'is invalid'}; expected { features: ["view:feature"] | feature_service, entities: { key: [values] } }`,
      )
    }
    return resolve(parsed.data)
  }
}

/** A `get-online-features` request that passed `feastOnlineRequestSchema`. */
export type ValidFeastOnlineRequest = z.output<typeof feastOnlineRequestSchema>

/**
 * {@link createFeastOnlineHandler} for a request already validated against
 * `feastOnlineRequestSchema` (the HTTP route validates once, before the handler).
 */
export function createFeastOnlineResolver(
  store: FeastOnlineBackend,
  options: FeastOnlineOptions = {},
): (request: ValidFeastOnlineRequest) => Promise<FeastOnlineResponse> {
  const lookup = onlineLookup(store, options)
  return async (req) => {
    const { keys, result, nullStatus } = await lookup(req)
    const n = result.rows.length
    const results: FeastOnlineResult[] = keys.map((k) => ({
      values: req.entities[k] ?? [],
      statuses: new Array<FieldStatus>(n).fill('PRESENT'),
      event_timestamps: new Array<string>(n).fill(EPOCH),
    }))
    result.features.forEach((name, i) => {
      const values: unknown[] = []
      const statuses: FieldStatus[] = []
      const times: string[] = []
      for (let r = 0; r < n; r++) {
        const value = result.rows[r]?.[name] ?? null
        values.push(value instanceof Date ? isoSeconds(value.getTime()) : value)
        const status = result.statuses[r]?.[i] ?? 'NOT_FOUND'
        statuses.push(status === 'NULL_VALUE' ? nullStatus : status)
        const t = result.eventTimes[r]?.[i]
        times.push(t === null || t === undefined ? EPOCH : isoSeconds(t))
      }
      results.push({ values, statuses, event_timestamps: times })
    })
    return { metadata: { feature_names: [...keys, ...result.features] }, results }
  }
}

/**
 * The shared part of the resolvers: checks the request's feature selection, looks the rows up,
 * and finds the join keys echoed first (per requested feature list, cached).
 */
function onlineLookup(store: FeastOnlineBackend, options: FeastOnlineOptions) {
  const nullStatus: FieldStatus = options.feastStatuses === true ? 'PRESENT' : 'NULL_VALUE'
  // Join keys per requested feature list, so repeated request shapes skip re-resolving refs.
  const joinKeysOf = new Map<string, Set<string>>()
  return async (req: ValidFeastOnlineRequest) => {
    const hasFeatures = req.features !== undefined && req.features.length > 0
    const hasService = req.feature_service !== undefined && req.feature_service !== null
    if (hasFeatures === hasService) {
      throw new StrataError('INVALID_ARGUMENT', 'give exactly one of "features" and "feature_service"')
    }
    const request: OnlineRequest = { entities: req.entities }
    if (hasService) request.service = req.feature_service as string
    else request.features = req.features as string[]
    if (req.full_feature_names !== undefined) request.fullFeatureNames = req.full_feature_names
    if (req.request_context !== undefined) request.requestContext = req.request_context
    const result = await store.getOnlineFeatures(request)

    const shape = hasService ? `s:${req.feature_service}` : `f:${(req.features as string[]).join('\u0000')}`
    let joinKeys = joinKeysOf.get(shape)
    if (joinKeys === undefined) {
      const items = store.catalog.itemsOf(
        hasService ? { service: req.feature_service as string } : { features: req.features as string[] },
      )
      joinKeys = new Set<string>()
      for (const item of items) {
        if (item.kind === 'feature-view') for (const k of item.joinKeys) joinKeys.add(k)
        else if (item.kind === 'feature-selection') for (const k of item.view.joinKeys) joinKeys.add(k)
      }
      if (joinKeysOf.size < 1000) joinKeysOf.set(shape, joinKeys)
    }
    const known = joinKeys
    const keys = Object.keys(req.entities).filter((k) => known.has(k))
    return { keys, result, nullStatus }
  }
}

const isoCache = new Map<number, string>()

/**
 * ISO-8601 in UTC, without milliseconds when they are zero (Feast's format). Memoized: the
 * same materialized event times recur across requests, and `toISOString` dominates otherwise.
 */
function isoSeconds(ms: number): string {
  let iso = isoCache.get(ms)
  if (iso === undefined) {
    const full = new Date(ms).toISOString()
    iso = full.endsWith('.000Z') ? `${full.slice(0, -5)}Z` : full
    if (isoCache.size >= 50_000) isoCache.clear()
    isoCache.set(ms, iso)
  }
  return iso
}

/**
 * The same handler on JSON text: body text in, response text out, for callers that hold the
 * body as text (the online bench's bare node:http server). Malformed JSON rejects with
 * `INVALID_ARGUMENT`.
 */
export function createFeastOnlineJsonHandler(store: FeastOnlineBackend): (body: string) => Promise<string> {
  const handle = createFeastOnlineHandler(store)
  return async (text) => {
    let body: unknown
    try {
      body = text.trim() === '' ? {} : JSON.parse(text)
    } catch (err) {
      throw new StrataError('INVALID_ARGUMENT', `request body is not valid JSON: ${(err as Error).message}`)
    }
    return JSON.stringify(await handle(body))
  }
}
