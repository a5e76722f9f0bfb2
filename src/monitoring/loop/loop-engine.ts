import { errorMessage, isStrataError, StrataError } from '../../core/errors.js'
import type { ServiceContext } from '../../data/index.js'
import type { PipelineEngine } from '../../pipelines/index.js'
import { type ModelRegistry, modelVersionNodeId } from '../../registry/index.js'
import type { CreateDeploymentInput, DeliveryService, Deployment } from '../../serving/index.js'
import { type AlertPayload, fillParams } from '../monitors/actions.js'
import type { LoopStart, LoopStore } from './loop-store.js'
import { loopEnded, type RetrainLoop } from './loop-types.js'
import { gateViolations } from './retrain-action.js'
import { rolloutInput, shadowInput } from './rollout-input.js'

/** The trigger id under which a loop's pipeline run is fired (the loop id is the firing key). */
export const LOOP_TRIGGER = 'monitor-loop'

/** What a loop needs of the pipeline engine. */
export type LoopPipelines = Pick<
  PipelineEngine,
  'startFired' | 'firedRun' | 'show' | 'drive' | 'resume' | 'output'
>

/** What the loop engine is built on (filled by the monitoring service). */
export interface LoopDependencies {
  store: LoopStore
  registry: ModelRegistry
  lineage: ServiceContext['lineage']
  /** The pipeline engine, opened on first use; absent when the project has no pipelines. */
  pipelines: (() => Promise<LoopPipelines>) | undefined
  /** The delivery engine, opened on first use. */
  delivery: () => Promise<DeliveryService>
  /** Who the loop acts as (aliases, deployment revisions). */
  actor: string
}

/** The lineage node of a monitor incident. */
export function incidentNode(incidentId: string): string {
  return `monitor-incident:${incidentId}`
}

const runNode = (runId: string) => `pipeline-run:${runId}`
const marker = (loop: RetrainLoop) => `retrain loop ${loop.id}`

/**
 * Drives loops through their states. Each call of {@link advance} takes one loop as far as it
 * can go now — it returns when the loop waits on something outside it (a rollout in progress,
 * a pipeline run another process drives) or has ended. Every state change is a
 * compare-and-set ({@link LoopStore.move}); every step's external effect is idempotent or
 * looked up before it is repeated (the run by its firing key, the rollout by its candidate
 * version), so a process killed anywhere leaves a loop the next `advance` resumes, and a loop
 * never makes two retrains or two rollouts.
 */
export class LoopEngine {
  constructor(private readonly deps: LoopDependencies) {}

  /** Starts (or finds) the loop of an incident, within the guard rails; the lineage node of the incident is recorded. */
  async start(start: LoopStart): Promise<{ loop: RetrainLoop; created: boolean }> {
    await this.deps.lineage.upsertNode({
      id: incidentNode(start.incidentId),
      label: `incident ${start.incidentId} of monitor ${start.monitor}`,
    })
    return this.deps.store.begin(start)
  }

  /** Advances one loop as far as it can go now; the loop as it is afterwards. */
  async advance(id: string): Promise<RetrainLoop> {
    let loop = await this.deps.store.get(id)
    for (let i = 0; i < 20 && !loopEnded(loop.state); i++) {
      let next: RetrainLoop | null
      try {
        next = await this.step(loop)
      } catch (err) {
        // An unexpected error (a database or blob-store failure) leaves the loop where it is for the next attempt.
        if (!isStrataError(err) || isStrataError(err, 'UNAVAILABLE') || isStrataError(err, 'INTERNAL'))
          throw err
        next = await this.fail(loop, `${loop.state}: ${errorMessage(err)}`)
      }
      if (next === null) return this.deps.store.get(id)
      if (next.state === loop.state && next.updatedAt === loop.updatedAt) return next
      loop = next
    }
    return loop
  }

  /** Advances every loop in flight (a scheduler tick); the loops afterwards, with the errors of those that could not be advanced. */
  async tick(): Promise<{ loops: RetrainLoop[]; errors: { id: string; error: string }[] }> {
    const loops: RetrainLoop[] = []
    const errors: { id: string; error: string }[] = []
    for (const l of await this.deps.store.list({ inFlight: true })) {
      try {
        loops.push(await this.advance(l.id))
      } catch (err) {
        errors.push({ id: l.id, error: errorMessage(err) })
      }
    }
    return { loops, errors }
  }

  /** One step; the moved loop, the same loop when it waits, or null when another process moved it. */
  private step(loop: RetrainLoop): Promise<RetrainLoop | null> {
    switch (loop.state) {
      case 'retraining':
        return this.retrain(loop)
      case 'challenger':
        return this.rollOut(loop)
      case 'shadowing':
        return this.shadow(loop)
      case 'rolling-out':
        return this.watch(loop)
      default:
        return Promise.resolve(loop)
    }
  }

  private fail(loop: RetrainLoop, reason: string): Promise<RetrainLoop | null> {
    return this.deps.store.move(loop, 'failed', reason, { reason })
  }

  /** The pipeline run (created once, by its firing key), driven to its end; then the challenger. */
  private async retrain(loop: RetrainLoop): Promise<RetrainLoop | null> {
    if (this.deps.pipelines === undefined)
      return this.fail(loop, 'no pipelines configured (set pipelines in strata.config.ts)')
    const engine = await this.deps.pipelines()
    let created = false
    if (loop.runId === null) {
      const payload: AlertPayload = {
        monitor: loop.monitor,
        model: loop.model,
        incident: loop.incidentId,
        window: loop.window,
        status: 'alert',
        driftShare: null,
        driftedColumns: [],
        failedQualityChecks: [],
        performanceViolations: [],
      }
      const run = await engine.startFired(
        loop.pipeline,
        { triggerId: LOOP_TRIGGER, fireKey: loop.id },
        {
          params: fillParams(loop.action.params ?? {}, payload),
          tags: { 'strata.monitor.loop': loop.id, 'strata.monitor.incident': loop.incidentId },
        },
      )
      created = run !== undefined
      const runId = run?.runId ?? (await engine.firedRun(loop.pipeline, LOOP_TRIGGER, loop.id))
      if (runId === undefined)
        throw new StrataError('INTERNAL', `loop ${loop.id}: its pipeline run was neither created nor found`)
      await this.deps.lineage.record({
        inputs: [incidentNode(loop.incidentId)],
        output: { id: runNode(runId), label: `pipeline ${loop.pipeline} ${runId}` },
        activity: 'retrain',
      })
      const moved = await this.deps.store.move(
        loop,
        'retraining',
        `pipeline ${loop.pipeline} run ${runId} started`,
        { runId },
      )
      if (moved !== null) loop = moved
      else {
        // Another process recorded the run first; the one that created the run still drives it.
        const now = await this.deps.store.get(loop.id)
        if (!created || now.runId !== runId || now.state !== 'retraining') return null
        loop = now
      }
    }
    const runId = loop.runId as string
    let run = (await engine.show(runId)).run
    if (run.status === 'running') {
      try {
        run = (created ? await engine.drive(runId) : await engine.resume(runId)).run
      } catch (err) {
        if (isStrataError(err, 'CONFLICT')) return loop // another process drives it
        throw err
      }
    }
    if (run.status !== 'succeeded')
      return this.fail(loop, `pipeline run ${runId} ${run.status}${run.error ? `: ${run.error}` : ''}`)
    return this.challenger(loop, engine, runId)
  }

  /** Reads the registered version from the run, aliases it `challenger` and applies the gate. */
  private async challenger(
    loop: RetrainLoop,
    engine: LoopPipelines,
    runId: string,
  ): Promise<RetrainLoop | null> {
    const step = loop.action.registerStep
    const out = (await engine.output(runId, step)) as unknown
    const o = (typeof out === 'number' ? { version: out } : out) as {
      version?: unknown
      model?: unknown
      metrics?: unknown
    } | null
    if (o === null || typeof o !== 'object' || !Number.isInteger(o.version)) {
      return this.fail(
        loop,
        `step "${step}" of run ${runId} returned ${JSON.stringify(out)?.slice(0, 200)}; a retrain's register step returns the version number or { version, model?, metrics? }`,
      )
    }
    const model = typeof o.model === 'string' ? o.model : loop.model
    if (model !== loop.model)
      return this.fail(
        loop,
        `run ${runId} registered model "${model}", but deployment ${loop.deployment} serves "${loop.model}"`,
      )
    const version = o.version as number
    const v = await this.deps.registry.getVersion(model, version)
    const extra =
      typeof o.metrics === 'object' && o.metrics !== null
        ? Object.fromEntries(Object.entries(o.metrics).filter(([, x]) => typeof x === 'number'))
        : {}
    const metrics = { ...v.metrics, ...extra } as Record<string, number>
    await this.deps.lineage.record({
      inputs: [runNode(runId)],
      output: { id: modelVersionNodeId(model, version), label: `${model} v${version}` },
      activity: 'register',
    })
    const broken = gateViolations(loop.action, metrics)
    if (broken.length > 0) {
      const reason = `version ${version} rejected by the gate: ${broken.join('; ')}`
      return this.deps.store.move(loop, 'rejected', reason, { version, metrics, reason })
    }
    await this.deps.registry.setAlias(model, 'challenger', version, {
      actor: this.deps.actor,
      reason: `${marker(loop)} (incident ${loop.incidentId}): run ${runId}`,
    })
    return this.deps.store.move(
      loop,
      'challenger',
      `version ${version} registered by run ${runId} is challenger (${describe(metrics)})`,
      { version, metrics },
    )
  }

  /** Creates the rollout (shadow first when declared), or adopts the one a killed process created. */
  private async rollOut(loop: RetrainLoop): Promise<RetrainLoop | null> {
    const delivery = await this.deps.delivery()
    const version = loop.version as number
    const d = await delivery.store.find(loop.deployment)
    if (d === undefined)
      return this.fail(
        loop,
        `deployment "${loop.deployment}" does not exist; create it with "strata deploy create ${loop.deployment}"`,
      )
    if (d.policy.model !== loop.model)
      return this.fail(
        loop,
        `deployment "${loop.deployment}" serves model "${d.policy.model}", not "${loop.model}"`,
      )
    if (d.policy.candidate === version) return this.adopt(loop, d)
    const shadow = loop.action.rollout?.shadowFirst
    const input =
      shadow === undefined || shadow === false
        ? rolloutInput(loop.action, version, marker(loop))
        : shadowInput(loop.action, version, marker(loop))
    return this.adopt(loop, await this.create(delivery, loop, input))
  }

  private adopt(loop: RetrainLoop, d: Deployment): Promise<RetrainLoop | null> {
    const shadow = d.policy.strategy === 'shadow'
    return this.deps.store.move(
      loop,
      shadow ? 'shadowing' : 'rolling-out',
      `deployment ${loop.deployment} r${d.revision}: ${d.policy.strategy} of version ${loop.version} against champion ${d.policy.champion}`,
      { revision: d.revision },
    )
  }

  /** The shadow phase: when its guards all passed at its end, the shadow ends and the rollout starts. */
  private async shadow(loop: RetrainLoop): Promise<RetrainLoop | null> {
    const delivery = await this.deps.delivery()
    const version = loop.version as number
    const d = await delivery.store.get(loop.deployment)
    const p = d.policy
    if (p.candidate === version && p.strategy !== 'shadow') return this.adopt(loop, d)
    if (p.candidate !== version) return this.movedOn(loop, d)
    if (p.status === 'rolled-back') {
      const reason = `shadow of version ${version} rolled back: ${d.reason ?? 'no reason recorded'}`
      return this.deps.store.move(loop, 'rolled-back', reason, { revision: d.revision, reason })
    }
    if (p.status === 'aborted' && d.reason?.includes(marker(loop)) === true) {
      // Killed between ending the shadow and starting the rollout: start it now.
      return this.adopt(
        loop,
        await this.create(delivery, loop, rolloutInput(loop.action, version, marker(loop))),
      )
    }
    if (p.status !== 'progressing' && p.status !== 'paused') return this.movedOn(loop, d)
    const last = (await delivery.store.decisions(loop.deployment)).at(-1)
    const passed =
      last !== undefined &&
      last.revision === d.revision &&
      last.action === 'hold' &&
      last.evidence !== null &&
      last.evidence.guards.length > 0 &&
      last.evidence.guards.every((g) => g.outcome === 'pass')
    if (!passed) return loop
    try {
      await delivery.abort(loop.deployment, {
        reason: `${marker(loop)}: every shadow guard passed; starting the rollout of version ${version}`,
      })
    } catch (err) {
      // Another process advancing this loop ended the shadow first: the next step sees it.
      if (isStrataError(err, 'CONFLICT') || isStrataError(err, 'FAILED_PRECONDITION')) return null
      throw err
    }
    return this.adopt(
      loop,
      await this.create(delivery, loop, rolloutInput(loop.action, version, marker(loop))),
    )
  }

  /** Creates the rollout; when another process advancing this loop created it first, that one. */
  private async create(
    delivery: DeliveryService,
    loop: RetrainLoop,
    input: CreateDeploymentInput,
  ): Promise<Deployment> {
    try {
      return await delivery.create(loop.deployment, input)
    } catch (err) {
      if (!isStrataError(err, 'CONFLICT')) throw err
      const d = await delivery.store.get(loop.deployment)
      if (d.policy.candidate === loop.version && d.policy.strategy === input.strategy) return d
      throw err
    }
  }

  /** Waits for the delivery engine's verdict on the rollout. */
  private async watch(loop: RetrainLoop): Promise<RetrainLoop | null> {
    const delivery = await this.deps.delivery()
    const version = loop.version as number
    const d = await delivery.store.get(loop.deployment)
    const p = d.policy
    if (p.status === 'promoted' && p.champion === version) {
      // A promotion whose alias move a killed process did not make is completed first.
      await delivery.reconcileAlias(d)
      return this.deps.store.move(loop, 'promoted', `version ${version} promoted: ${d.reason ?? ''}`.trim(), {
        revision: d.revision,
        reason: d.reason,
      })
    }
    if (p.candidate !== version) return this.movedOn(loop, d)
    if (p.status === 'progressing' || p.status === 'paused') return loop
    if (p.status === 'rolled-back') {
      const reason = `version ${version} rolled back: ${d.reason ?? 'no reason recorded'}`
      return this.deps.store.move(loop, 'rolled-back', reason, { revision: d.revision, reason })
    }
    return this.fail(
      loop,
      `the rollout of version ${version} was ${p.status} (r${d.revision} by ${d.actor}: ${d.reason ?? ''})`,
    )
  }

  private movedOn(loop: RetrainLoop, d: Deployment): Promise<RetrainLoop | null> {
    return this.fail(
      loop,
      `deployment "${loop.deployment}" moved on without version ${loop.version} (r${d.revision}, ${d.action} by ${d.actor}: ${d.reason ?? ''})`,
    )
  }
}

function describe(metrics: Record<string, number>): string {
  const e = Object.entries(metrics)
  return e.length === 0 ? 'no metrics' : e.map(([k, v]) => `${k} ${Number(v.toPrecision(4))}`).join(', ')
}
