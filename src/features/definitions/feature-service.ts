import { StrataError } from '../../core/errors.js'
import { assertName, type FeatureSchema, type FeatureValue, type FeatureValues } from './feature-types.js'
import type { FeatureSelection, FeatureView } from './feature-view.js'
import type { OnDemandFeature, UnionToIntersection } from './on-demand-feature.js'

/** What a feature service may list. */
export type ServiceItem = FeatureView | FeatureSelection | OnDemandFeature

type ItemValues<I> =
  I extends FeatureView<string, infer F>
    ? FeatureValues<F>
    : I extends FeatureSelection<string, infer F>
      ? FeatureValues<F>
      : I extends OnDemandFeature<infer N, infer T>
        ? { [K in N]: FeatureValue<T> | null }
        : never

type Simplify<T> = { [K in keyof T]: T[K] } & {}

/** The typed values a service returns per row: every feature by name, each possibly `null`. */
export type ServiceValues<I extends readonly ServiceItem[]> = Simplify<
  UnionToIntersection<ItemValues<I[number]>>
>

/**
 * A named, versioned set of features a model consumes. Its type carries the value types, so
 * `getOnlineFeatures({ service })` and training-set rows are typed.
 */
export interface FeatureService<N extends string = string, V = Record<string, unknown>> {
  readonly kind: 'feature-service'
  readonly name: N
  readonly items: readonly ServiceItem[]
  readonly description: string | undefined
  readonly tags: Readonly<Record<string, string>>
  /** Only for typing: the shape of one row of values. */
  readonly __values?: V
}

/** The value type of a feature service. */
export type ValuesOf<S> = S extends FeatureService<string, infer V> ? V : Record<string, unknown>

/**
 * Declares a feature service.
 *
 * @example
 * export const delayModel = featureService({ name: 'delay_model', features: [airportDelays, routeDelays.select('late_share_7d'), delayRisk] })
 */
export function featureService<const N extends string, const I extends readonly ServiceItem[]>(def: {
  name: N
  features: I
  description?: string
  tags?: Record<string, string>
}): FeatureService<N, ServiceValues<I>> {
  assertName('feature service', def.name)
  if (!Array.isArray(def.features) || def.features.length === 0) {
    throw new StrataError('INVALID_ARGUMENT', `feature service "${def.name}" lists no features`)
  }
  for (const item of def.features) {
    const kind = (item as { kind?: unknown })?.kind
    if (kind !== 'feature-view' && kind !== 'feature-selection' && kind !== 'on-demand-feature') {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `feature service "${def.name}": features takes feature views, view.select(…) and on-demand features`,
      )
    }
  }
  return Object.freeze({
    kind: 'feature-service',
    name: def.name,
    items: Object.freeze([...def.features]),
    description: def.description,
    tags: Object.freeze({ ...(def.tags ?? {}) }),
  })
}

/** True when `value` was made by {@link featureService}. */
export function isFeatureService(value: unknown): value is FeatureService {
  return (
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'feature-service'
  )
}

/** The feature schema of a selection or whole view (helper for typing callers). */
export type SchemaOf<I> =
  I extends FeatureView<string, infer F> ? F : I extends FeatureSelection<string, infer F> ? F : FeatureSchema
