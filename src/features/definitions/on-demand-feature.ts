import { StrataError } from '../../core/errors.js'
import {
  assertName,
  type FeatureSchema,
  type FeatureType,
  type FeatureValue,
  type FeatureValues,
  isFeatureType,
} from './feature-types.js'
import type { FeatureSelection } from './feature-view.js'

/** The input an on-demand function receives: its feature inputs and request fields, by name. */
export type OnDemandInput<
  I extends readonly FeatureSelection[],
  R extends FeatureSchema,
> = UnionToIntersection<SelectionValues<I[number]>> & FeatureValues<R>

type SelectionValues<S> = S extends FeatureSelection<string, infer F> ? FeatureValues<F> : never

/** `A | B` → `A & B` (for merging the value objects of several inputs). */
export type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never

/**
 * A feature computed at request time by a TypeScript function of other features and request
 * data. The same function runs when a training set is built (over each joined row) and when
 * online features are served, so training and serving cannot drift apart.
 */
export interface OnDemandFeature<N extends string = string, T extends FeatureType = FeatureType> {
  readonly kind: 'on-demand-feature'
  readonly name: N
  readonly type: T
  /** Features read before the function runs. */
  readonly features: readonly FeatureSelection[]
  /** Request-time fields: columns of the entity rows offline, request values online. */
  readonly request: Readonly<FeatureSchema>
  readonly fn: (input: Record<string, unknown>) => FeatureValue<T> | null | undefined
  readonly description: string | undefined
}

/** What {@link onDemandFeature} accepts. */
export interface OnDemandFeatureDefinition<
  N extends string,
  T extends FeatureType,
  I extends readonly FeatureSelection[],
  R extends FeatureSchema,
> {
  name: N
  type: T
  inputs: { features?: I; request?: R }
  fn: (input: OnDemandInput<I, R>) => FeatureValue<T> | null | undefined
  description?: string
}

/**
 * Declares an on-demand feature. Reference it by its name (`"delay_risk"`).
 *
 * @example
 * export const delayRisk = onDemandFeature({
 *   name: 'delay_risk',
 *   type: 'float',
 *   inputs: { features: [airportDelays.select('late_share_24h')], request: { hour: 'int' } },
 *   fn: ({ late_share_24h, hour }) => (late_share_24h ?? 0) * (hour !== null && hour >= 17 ? 1.5 : 1),
 * })
 */
export function onDemandFeature<
  const N extends string,
  const T extends FeatureType,
  const I extends readonly FeatureSelection[] = [],
  const R extends FeatureSchema = Record<never, FeatureType>,
>(def: OnDemandFeatureDefinition<N, T, I, R>): OnDemandFeature<N, T> {
  assertName('on-demand feature', def.name)
  const where = `on-demand feature "${def.name}"`
  if (!isFeatureType(def.type)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${where} has type ${JSON.stringify(def.type)}; use int, float, string, bool or timestamp`,
    )
  }
  if (typeof def.fn !== 'function') {
    throw new StrataError('INVALID_ARGUMENT', `${where} needs fn: (input) => value`)
  }
  const features = [...(def.inputs?.features ?? [])]
  const request = { ...(def.inputs?.request ?? {}) } as FeatureSchema
  const seen = new Set<string>()
  for (const selection of features) {
    if (selection?.kind !== 'feature-selection') {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `${where}: inputs.features takes view.select('feature', …) items`,
      )
    }
    for (const f of selection.features) {
      if (seen.has(f)) throw new StrataError('INVALID_ARGUMENT', `${where}: input "${f}" is given twice`)
      seen.add(f)
    }
  }
  for (const [name, type] of Object.entries(request)) {
    assertName(`${where} request field`, name)
    if (!isFeatureType(type)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `${where} request field "${name}" has invalid type ${JSON.stringify(type)}`,
      )
    }
    if (seen.has(name)) throw new StrataError('INVALID_ARGUMENT', `${where}: input "${name}" is given twice`)
    seen.add(name)
  }
  return Object.freeze({
    kind: 'on-demand-feature',
    name: def.name,
    type: def.type,
    features: Object.freeze(features),
    request: Object.freeze(request),
    fn: def.fn as unknown as OnDemandFeature<N, T>['fn'],
    description: def.description,
  })
}

/** True when `value` was made by {@link onDemandFeature}. */
export function isOnDemandFeature(value: unknown): value is OnDemandFeature {
  return (
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'on-demand-feature'
  )
}
