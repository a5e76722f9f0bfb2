import type { FeatureView } from '../definitions/index.js'
import { entityKey } from '../definitions/index.js'

/**
 * How feature values are laid out in the online store: one namespace per join-key set (so all
 * views of an entity share a record), one field per view data version, whose value is an
 * object of feature name → stored value. A request reads one key per entity and namespace.
 */
export interface OnlineLayout {
  namespace: string
  /** Join keys in the order their values form the entity key (sorted). */
  keys: readonly string[]
  field: string
}

/** The layout of a view's values given its registered data hash. */
export function onlineLayout(prefix: string, view: FeatureView, dataHash: string): OnlineLayout {
  const keys = [...view.joinKeys].sort()
  return { namespace: `${prefix}:${keys.join(',')}`, keys, field: `${view.name}@${dataHash.slice(0, 12)}` }
}

/** The entity key of a row for a layout (values already normalized to the key types). */
export function layoutEntityKey(layout: OnlineLayout, values: Readonly<Record<string, unknown>>): string {
  return entityKey(layout.keys.map((k) => values[k]))
}
