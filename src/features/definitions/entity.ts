import { StrataError } from '../../core/errors.js'
import { assertName, type JoinKeyType } from './feature-types.js'

/**
 * A thing features describe (an airport, a route, a customer), identified by one or more join
 * keys. Feature views of entities with the same join-key set share one online record per entity.
 */
export interface Entity<N extends string = string, K extends string = string> {
  readonly kind: 'entity'
  readonly name: N
  /** Join key columns, in declaration order. */
  readonly joinKeys: readonly K[]
  /** The type of each join key. */
  readonly keyTypes: Readonly<Record<K, JoinKeyType>>
  readonly description: string | undefined
  readonly tags: Readonly<Record<string, string>>
}

/** What {@link entity} accepts. */
export interface EntityDefinition<N extends string, K extends string> {
  name: N
  joinKeys: readonly K[]
  /** One type for every join key, or one per key; default `string`. */
  valueType?: JoinKeyType | Record<K, JoinKeyType>
  description?: string
  tags?: Record<string, string>
}

/**
 * Declares an entity.
 *
 * @example
 * export const airport = entity({ name: 'airport', joinKeys: ['origin'], valueType: 'string' })
 * export const route = entity({ name: 'route', joinKeys: ['origin', 'destination'] })
 */
export function entity<const N extends string, const K extends string>(
  def: EntityDefinition<N, K>,
): Entity<N, K> {
  assertName('entity', def.name)
  if (!Array.isArray(def.joinKeys) || def.joinKeys.length === 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `entity "${def.name}" has no join keys; pass joinKeys such as ['origin']`,
    )
  }
  const seen = new Set<string>()
  const keyTypes = {} as Record<K, JoinKeyType>
  for (const key of def.joinKeys as readonly K[]) {
    assertName(`entity "${def.name}" join key`, key)
    if (seen.has(key)) {
      throw new StrataError('INVALID_ARGUMENT', `entity "${def.name}" lists join key "${key}" twice`)
    }
    seen.add(key)
    const type = typeof def.valueType === 'object' ? def.valueType[key] : (def.valueType ?? 'string')
    if (type !== 'string' && type !== 'int') {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `entity "${def.name}" join key "${key}" has type ${JSON.stringify(type)}; use "string" or "int"`,
      )
    }
    keyTypes[key] = type
  }
  return Object.freeze({
    kind: 'entity',
    name: def.name,
    joinKeys: Object.freeze([...def.joinKeys]),
    keyTypes: Object.freeze(keyTypes),
    description: def.description,
    tags: Object.freeze({ ...(def.tags ?? {}) }),
  })
}

/** True when `value` was made by {@link entity}. */
export function isEntity(value: unknown): value is Entity {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'entity'
}
