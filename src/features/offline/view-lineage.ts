import type { LineageGraphStore } from '../../data/lineage/index.js'
import {
  type FeatureCatalog,
  type FeatureDataRepository,
  type RegisteredDefinition,
  sourceAdapterOf,
} from '../definitions/index.js'

/** The lineage node id of a feature-view version. */
export function viewVersionNode(view: string, version: number): string {
  return `feature-view-version:${view}/${version}`
}

/** The lineage node id of a feature-service or on-demand-feature version. */
export function definitionVersionNode(
  kind: 'feature-service' | 'on-demand-feature',
  name: string,
  version: number,
): string {
  return `${kind}-version:${name}/${version}`
}

/**
 * Records newly registered feature-view versions in the lineage graph, each defined from the
 * commit its source resolves to now (for sources with commits), else as a node of its own. Returns a warning per source that does not exist
 * yet: its lineage is recorded when the view is first computed.
 */
export async function recordDefinedViewVersions(
  registered: readonly RegisteredDefinition[],
  catalog: FeatureCatalog,
  repository: FeatureDataRepository,
  lineage: LineageGraphStore,
): Promise<string[]> {
  const warnings: string[] = []
  for (const def of registered) {
    if (def.kind !== 'feature-view') continue
    const view = catalog.view(def.name)
    const node = { id: viewVersionNode(view.name, def.version), label: `${view.name} v${def.version}` }
    const adapter = sourceAdapterOf(view.source)
    if (adapter.definedFrom === undefined) {
      await lineage.upsertNode(node)
      continue
    }
    const from = await adapter.definedFrom(view.source, repository)
    if ('commit' in from) {
      await lineage.record({ inputs: [`dataset-commit:${from.commit}`], output: node, activity: 'define' })
    } else {
      await lineage.upsertNode(node)
      warnings.push(
        `feature view "${view.name}": ${from.missing} does not exist yet; lineage is recorded when it is first computed`,
      )
    }
  }
  return warnings
}
