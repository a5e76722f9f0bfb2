import type { FeatureDefinition } from './feature-catalog.js'
import { describeSource } from './sources/index.js'
import { sha256, stableJson } from './spec-hash.js'

/** A definition's serializable form, as registered, with its hashes. */
export interface DefinitionSpec {
  kind: FeatureDefinition['kind']
  name: string
  spec: Record<string, unknown>
  specHash: string
  /** For feature views: the hash of what determines their data; else `null`. */
  dataHash: string | null
}

/**
 * The registered form of a definition. Functions (`transform`, on-demand `fn`) are captured by
 * their source text, so editing one makes a new version.
 */
export function specOf(def: FeatureDefinition): DefinitionSpec {
  let spec: Record<string, unknown>
  let data: Record<string, unknown> | undefined
  switch (def.kind) {
    case 'entity':
      spec = {
        joinKeys: def.joinKeys,
        keyTypes: def.keyTypes,
        description: def.description ?? null,
        tags: def.tags,
      }
      break
    case 'feature-view':
      data = {
        entities: def.entities.map((e) => ({ name: e.name, joinKeys: e.joinKeys, keyTypes: e.keyTypes })),
        joinKeys: def.joinKeys,
        source: describeSource(def.source),
        timestamp: def.timestamp,
        sql: def.sql ?? null,
        transform: def.transform === undefined ? null : def.transform.toString(),
        features: def.features,
      }
      spec = {
        ...data,
        ttlMs: def.ttlMs,
        online: def.online,
        description: def.description ?? null,
        tags: def.tags,
        // Only when set, so views without one keep their registered spec hash.
        ...(def.pushSource === undefined ? {} : { pushSource: def.pushSource }),
      }
      break
    case 'on-demand-feature':
      spec = {
        type: def.type,
        features: def.features.map((s) => ({ view: s.view.name, features: s.features })),
        request: def.request,
        fn: def.fn.toString(),
        description: def.description ?? null,
      }
      break
    case 'feature-service':
      spec = {
        items: def.items.map((item) =>
          item.kind === 'on-demand-feature'
            ? { onDemand: item.name }
            : item.kind === 'feature-view'
              ? { view: item.name, features: Object.keys(item.features) }
              : { view: item.view.name, features: item.features },
        ),
        description: def.description ?? null,
        tags: def.tags,
      }
      break
  }
  return {
    kind: def.kind,
    name: def.name,
    spec,
    specHash: sha256(stableJson({ kind: def.kind, name: def.name, spec })),
    dataHash: data === undefined ? null : sha256(stableJson({ name: def.name, data })),
  }
}
