import { elementKey, groupKey, mappedBaseKey } from './cache-key.js'
import { type MapItem, mapItems } from './map-items.js'
import { type Pipeline, pipelineRoot } from './pipeline.js'
import type { ElementPlan, MapPlanParts, PlanReason, StepPlan } from './planner.js'
import type { RunStore } from './run-store.js'
import type { PipelineParams, Step } from './step.js'

/**
 * Plans a mapped step: per element, run or cache hit (one batched lookup), and for a miss why —
 * a new datum, a datum whose content changed, or the step's code or params — against the
 * elements of the step's last cached run; the keys of that run's elements that are gone are
 * listed as removed. Gives the step's output hash when the whole group hits (so the steps
 * reading it can be planned as hits too).
 */
export async function planMappedStep(
  store: RunStore,
  parts: MapPlanParts,
  p: Pipeline,
  s: Step<string, unknown>,
  params: PipelineParams,
  resolved: Record<string, string>,
  addresses: Record<string, string>,
  outputs: ReadonlyMap<string, string>,
  noCache: boolean,
): Promise<{ plan: StepPlan; outputHash?: string }> {
  const source = s.map?.source
  if (source?.kind === 'step' && !outputs.has(source.name)) {
    return {
      plan: {
        step: s.name,
        action: 'run',
        reason: 'upstream-runs',
        why: `the list it maps over, from ${source.name}, will be recomputed (its elements may still hit the cache)`,
        cacheKey: null,
      },
    }
  }
  let items: MapItem[]
  try {
    const data = source?.kind === 'datums' && parts.data !== undefined ? await parts.data() : undefined
    const upstreamHash = source?.kind === 'step' ? outputs.get(source.name) : undefined
    const list = upstreamHash === undefined ? undefined : await parts.readOutput(upstreamHash)
    items = await mapItems(s, { params, resolved }, () => list, data)
  } catch (err) {
    return {
      plan: { step: s.name, action: 'run', reason: 'never-ran', why: (err as Error).message, cacheKey: null },
    }
  }
  const base = mappedBaseKey(s, params, addresses, p.sourceHash, pipelineRoot(p))
  const keys = items.map((it) => elementKey(s.name, base, addresses, it.address).key)
  const group = groupKey(s.name, base, keys)
  const useCache = s.cache && !noCache
  const hits = useCache ? await parts.maps.cachedMany([group.key, ...keys]) : new Map<string, string>()
  const last = await store.latestCached(p.name, s.name)
  const previous = new Map<string, string>()
  if (last !== undefined)
    for (const e of await parts.maps.elements(last.run_id, s.name)) previous.set(e.key, e.address)
  const thing = source?.kind === 'datums' ? 'datum' : 'item'
  const elementPlans: ElementPlan[] = []
  let cached = 0
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as MapItem
    const key = keys[i] as string
    if (!useCache) {
      const reason: PlanReason = noCache ? 'no-cache' : 'cache-disabled'
      const why = noCache ? 'the run reuses no cached output (--no-cache)' : 'the step sets cache: false'
      elementPlans.push({ index: i, key: item.key, action: 'run', reason, why })
      continue
    }
    const hit = hits.get(key)
    if (hit !== undefined) {
      cached++
      elementPlans.push({
        index: i,
        key: item.key,
        action: 'cached',
        reason: 'cached',
        why: `same content (${item.address.slice(0, 18)}…), code and params as before`,
      })
      continue
    }
    elementPlans.push({
      index: i,
      key: item.key,
      action: 'run',
      ...missReason(item, previous, last, base.parts, thing),
    })
  }
  const current = new Set(items.map((it) => it.key))
  const removed = [...previous.keys()].filter((k) => !current.has(k))
  const runCount = items.length - cached
  const groupHit = hits.get(group.key)
  const byReason = new Map<string, number>()
  for (const e of elementPlans)
    if (e.action === 'run') byReason.set(e.reason, (byReason.get(e.reason) ?? 0) + 1)
  const reasons = [...byReason].map(([r, n]) => `${n} ${r}`).join(', ')
  const plan: StepPlan = {
    step: s.name,
    action: runCount === 0 ? 'cached' : 'run',
    reason: runCount === 0 ? 'cached' : 'elements',
    why:
      `${runCount} of ${items.length} elements run${reasons === '' ? '' : ` (${reasons})`}, ${cached} cached` +
      (removed.length > 0 ? `, ${removed.length} removed since run ${last?.run_id}` : ''),
    cacheKey: group.key,
    elements: { total: items.length, run: runCount, cached, removed, items: elementPlans },
  }
  return runCount === 0 && groupHit !== undefined ? { plan, outputHash: groupHit } : { plan }
}

/** Why an element misses the cache, against the step's last cached run. */
function missReason(
  item: MapItem,
  previous: ReadonlyMap<string, string>,
  last: { run_id: string; code_hash: string; params_hash: string } | undefined,
  parts: { code: string; params: string },
  thing: string,
): { reason: PlanReason; why: string } {
  if (last === undefined) return { reason: 'never-ran', why: 'no earlier successful run of this step' }
  const before = previous.get(item.key)
  if (last.code_hash !== parts.code)
    return { reason: 'code-changed', why: `code changed since run ${last.run_id}` }
  if (last.params_hash !== parts.params)
    return { reason: 'params-changed', why: `params changed since run ${last.run_id}` }
  if (before === undefined) return { reason: 'new-element', why: `new ${thing} (not in run ${last.run_id})` }
  if (before !== item.address)
    return { reason: 'inputs-changed', why: `${thing} content changed since run ${last.run_id}` }
  return { reason: 'inputs-changed', why: `another input changed since run ${last.run_id}` }
}
