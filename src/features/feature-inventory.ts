import type { Kysely } from 'kysely'
import type { FeatureCatalog, FeatureDefinition } from './definitions/feature-catalog.js'
import { buildPlan, type PlanChange } from './definitions/feature-plan.js'
import type { FeatureRegistry } from './definitions/feature-registry.js'
import { specOf } from './definitions/feature-spec.js'
import { formatDuration } from './definitions/feature-types.js'
import type { FeatureTables } from './definitions/features-migrations.js'
import { readMaterialized } from './online/index.js'

/** What the online store holds of a feature view's live version. */
export interface MaterializedFreshness {
  /** Entities written by the last run. */
  rows: number
  /** The time the last run covered (ms since epoch): rows with event times up to it were considered. */
  watermark: number
  /** When the last run finished (ms since epoch). */
  updatedAt: number
  /** The source dataset commit it materialized (`null` for files and query sources). */
  sourceCommit: string | null
}

/** One definition of the project, as `strata features list` shows it. */
export interface FeatureInventoryItem {
  kind: FeatureDefinition['kind']
  name: string
  /** The live registered version (`null`: never applied, or removed). */
  version: number | null
  /** What `apply` would do with the code's definition (`unchanged` when it is the live version). */
  pending: PlanChange['action']
  /** A one-line summary: join keys, features and ttl, service contents. */
  summary: string
  /** Feature views only: the online state of the live version (`null`: never materialized). */
  materialized?: MaterializedFreshness | null
}

/**
 * Every definition in the code or registered live — entities, feature views (with their online
 * freshness), on-demand features and services — with its live version and what `apply` would
 * change. Definitions removed from the code but still registered appear with `pending: remove`.
 */
export async function featureInventory(
  catalog: FeatureCatalog,
  registry: FeatureRegistry,
  db: Kysely<FeatureTables>,
): Promise<FeatureInventoryItem[]> {
  // One read of the registry: the plan is built from the same live versions the rows show.
  const live = await registry.live()
  const plan = buildPlan(live, catalog.all().map(specOf))
  const defs = new Map(catalog.all().map((d) => [`${d.kind}/${d.name}`, d]))
  const items: FeatureInventoryItem[] = []
  for (const change of plan.changes) {
    const registered = live.get(`${change.kind}/${change.name}`)
    const def = defs.get(`${change.kind}/${change.name}`)
    const item: FeatureInventoryItem = {
      kind: change.kind,
      name: change.name,
      version: registered?.version ?? null,
      pending: change.action,
      summary: def === undefined ? 'removed from the code' : summarize(def),
    }
    if (change.kind === 'feature-view')
      item.materialized = await freshness(db, change.name, registered?.dataHash)
    items.push(item)
  }
  const order: FeatureDefinition['kind'][] = [
    'entity',
    'feature-view',
    'on-demand-feature',
    'feature-service',
  ]
  return items.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || (a.name < b.name ? -1 : 1))
}

async function freshness(
  db: Kysely<FeatureTables>,
  view: string,
  dataHash: string | null | undefined,
): Promise<MaterializedFreshness | null> {
  if (dataHash == null) return null
  const state = await readMaterialized(db, view, dataHash)
  if (state === undefined) return null
  const { rows, watermark, updatedAt, sourceCommit } = state
  return { rows, watermark, updatedAt, sourceCommit }
}

function summarize(def: FeatureDefinition): string {
  switch (def.kind) {
    case 'entity':
      return `keys ${def.joinKeys.join(', ')}`
    case 'feature-view': {
      const features = Object.keys(def.features)
      const ttl = def.ttlMs === null ? 'no ttl' : `ttl ${formatDuration(def.ttlMs)}`
      return `${features.length} ${features.length === 1 ? 'feature' : 'features'} (${features.join(', ')}), keys ${def.joinKeys.join(', ')}, ${ttl}${def.online ? '' : ', offline only'}`
    }
    case 'on-demand-feature':
      return `${def.type} from ${def.features.map((s) => `${s.view.name}:${s.features.join('+')}`).join(', ')}`
    case 'feature-service':
      return `${def.items.length} ${def.items.length === 1 ? 'item' : 'items'}: ${def.items.map((i) => ('view' in i ? i.view.name : i.name)).join(', ')}`
  }
}
