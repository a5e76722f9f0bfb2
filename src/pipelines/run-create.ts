/**
 * Creating a pipeline run: its params merged and checked, its dataset inputs resolved to
 * commit ids, its row and pending step rows written (with the trigger firing that created it,
 * when one did), and its lineage node.
 */
import { randomBytes } from 'node:crypto'
import type { ServiceContext } from '../data/index.js'
import type { DatasetResolver, PipelineRunOptions } from './engine-types.js'
import { datumsKey } from './map-items.js'
import { mergeParams } from './params.js'
import type { Pipeline } from './pipeline.js'
import type { PipelineRun, RunStore } from './run-store.js'
import { runNode } from './step-lineage.js'

/** A time-sortable run id. */
export function newPipelineRunId(now: number): string {
  return `${now.toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`
}

/** Resolves each dataset input of the pipeline to a commit id, keyed `"<step>.<input>"`. */
export async function resolveRunInputs(
  p: Pipeline,
  resolveDataset: DatasetResolver,
): Promise<Record<string, string>> {
  const resolved: Record<string, string> = {}
  for (const s of p.steps) {
    for (const [name, input] of Object.entries(s.inputs)) {
      if (input.kind === 'dataset')
        resolved[`${s.name}.${name}`] = await resolveDataset(input.dataset, input.ref)
    }
    const source = s.map?.source
    if (source?.kind === 'datums')
      resolved[datumsKey(s.name)] = await resolveDataset(source.dataset, source.ref)
  }
  return resolved
}

/**
 * Creates a run of `p` (not driven yet). With `fire` (a trigger firing), the firing and the run
 * are written in one transaction under a unique key: resolves undefined when any process already
 * created the run of that firing.
 */
export async function createRun(
  ctx: ServiceContext,
  store: RunStore,
  resolveDataset: DatasetResolver,
  p: Pipeline,
  options: Omit<PipelineRunOptions, 'onEvent'>,
  fire: { triggerId: string; fireKey: string } | undefined,
): Promise<PipelineRun | undefined> {
  const params = mergeParams(p, options.params)
  const resolved = await resolveRunInputs(p, resolveDataset)
  const now = ctx.clock.now()
  const runId = newPipelineRunId(now)
  const run: PipelineRun = {
    runId,
    pipeline: p.name,
    name: options.name ?? `${p.name}-${runId}`,
    tags: options.tags ?? {},
    status: 'running',
    params,
    resolved,
    noCache: options.noCache === true,
    userId: ctx.principal.id,
    createdAt: now,
    startedAt: now,
    endedAt: null,
    heartbeatAt: now,
    error: null,
  }
  const created = await store.create(
    run,
    p.steps.map((s) => s.name),
    fire,
  )
  if (!created) return undefined
  await ctx.lineage.upsertNode({ id: runNode(run.runId), label: `pipeline ${p.name} ${run.runId}` }, now)
  return run
}
