import { cacheKey } from './cache-key.js'
import type { PipelineData } from './map-items.js'
import { planMappedStep } from './map-plan.js'
import type { MapStore } from './map-store.js'
import { type Pipeline, pipelineRoot } from './pipeline.js'
import type { RunStore } from './run-store.js'
import type { JsonValue, PipelineParams } from './step.js'

/** Why a step will run or not. */
export type PlanReason =
  | 'cached'
  | 'no-cache'
  | 'cache-disabled'
  | 'never-ran'
  | 'code-changed'
  | 'params-changed'
  | 'inputs-changed'
  | 'upstream-runs'
  | 'new-element'
  | 'elements'

/** One step of a plan. */
export interface StepPlan {
  step: string
  action: 'run' | 'cached'
  reason: PlanReason
  /** A sentence for people: which part of the key changed, or which input is recomputed. */
  why: string
  /** The cache key, when every input's content is known now (not after an upstream runs). */
  cacheKey: string | null
  /** For a mapped step whose items are known now: what each element will do. */
  elements?: {
    total: number
    run: number
    cached: number
    /** Keys (datum paths, indexes) of the last cached run's elements that are gone: their outputs are removed. */
    removed: string[]
    items: ElementPlan[]
  }
}

/** What one element of a mapped step will do, and why. */
export interface ElementPlan {
  index: number
  /** The index, or the datum's path. */
  key: string
  action: 'run' | 'cached'
  reason: PlanReason
  why: string
}

/** What planning a mapped step needs beyond the run store. */
export interface MapPlanParts {
  maps: MapStore
  /** Reads a stored output (an upstream's cached list). */
  readOutput(hash: string): Promise<JsonValue>
  data: (() => Promise<PipelineData>) | undefined
}

/** What a run would do now. */
export interface PipelinePlan {
  pipeline: string
  params: PipelineParams
  /** Dataset inputs resolved to commits, `"<step>.<input>"` → commit id. */
  resolved: Record<string, string>
  steps: StepPlan[]
}

/**
 * Plans a run without running anything: walks the steps in order, computing each cache key
 * from the content addresses known now (upstream hits give their cached output hash), and
 * compares a miss with the step's newest cache entry to say which part changed.
 */
export async function planRun(
  store: RunStore,
  p: Pipeline,
  params: PipelineParams,
  resolved: Record<string, string>,
  noCache: boolean,
  mapParts?: MapPlanParts,
): Promise<PipelinePlan> {
  const outputs = new Map<string, string>()
  const steps: StepPlan[] = []
  for (const s of p.steps) {
    const addresses: Record<string, string> = {}
    const rerun: string[] = []
    for (const [name, input] of Object.entries(s.inputs)) {
      if (input.kind === 'dataset') addresses[name] = `dataset-commit:${resolved[`${s.name}.${name}`]}`
      else {
        const hash = outputs.get(input.name)
        if (hash === undefined) rerun.push(input.name)
        else addresses[name] = `output:${hash}`
      }
    }
    if (s.map !== undefined && mapParts !== undefined && rerun.length === 0) {
      const planned = await planMappedStep(
        store,
        mapParts,
        p,
        s,
        params,
        resolved,
        addresses,
        outputs,
        noCache,
      )
      if (planned.outputHash !== undefined) outputs.set(s.name, planned.outputHash)
      steps.push(planned.plan)
      continue
    }
    if (noCache) {
      const key = rerun.length > 0 ? null : cacheKey(s, params, addresses, p.sourceHash, pipelineRoot(p)).key
      steps.push({
        step: s.name,
        action: 'run',
        reason: 'no-cache',
        why: 'the run reuses no cached output (--no-cache)',
        cacheKey: key,
      })
      continue
    }
    if (rerun.length > 0) {
      steps.push({
        step: s.name,
        action: 'run',
        reason: 'upstream-runs',
        why: `its input${rerun.length > 1 ? 's' : ''} from ${rerun.join(', ')} will be recomputed (it may still hit the cache if the output is unchanged)`,
        cacheKey: null,
      })
      continue
    }
    const key = cacheKey(s, params, addresses, p.sourceHash, pipelineRoot(p))
    if (!s.cache) {
      steps.push({
        step: s.name,
        action: 'run',
        reason: 'cache-disabled',
        why: 'the step sets cache: false',
        cacheKey: key.key,
      })
      continue
    }
    const hit = await store.cached(key.key)
    if (hit !== undefined) {
      outputs.set(s.name, hit.output_hash)
      steps.push({
        step: s.name,
        action: 'cached',
        reason: 'cached',
        why: `same code, params and inputs as in run ${hit.run_id}`,
        cacheKey: key.key,
      })
      continue
    }
    const last = await store.latestCached(p.name, s.name)
    if (last === undefined) {
      steps.push({
        step: s.name,
        action: 'run',
        reason: 'never-ran',
        why: 'no earlier successful run of this step',
        cacheKey: key.key,
      })
      continue
    }
    const changed: string[] = []
    if (last.code_hash !== key.parts.code) changed.push('code')
    if (last.params_hash !== key.parts.params) changed.push('params')
    if (last.inputs_hash !== key.parts.inputs) changed.push('inputs')
    const reason: PlanReason =
      changed[0] === 'code' ? 'code-changed' : changed[0] === 'params' ? 'params-changed' : 'inputs-changed'
    steps.push({
      step: s.name,
      action: 'run',
      reason,
      why: `${changed.join(' and ')} changed since run ${last.run_id}`,
      cacheKey: key.key,
    })
  }
  return { pipeline: p.name, params, resolved, steps }
}
