import { randomUUID } from 'node:crypto'
import type { ModelServer } from '../model-server.js'
import type { DeliveryService } from './delivery-service.js'
import { candidateWeight, isLabelMetric } from './deployment-policy.js'
import type { Deployment } from './deployment-store.js'
import { EndpointRouter, type RoutedPrediction } from './endpoint-router.js'
import { type DecisionEvidence, evaluateGuards, type GuardResult, verdict } from './guards.js'
import { describeLabelTest } from './label-guards.js'
import type { LabelledStep } from './labelled-step.js'
import { emptyStats, latencyQuantile, mergeStats } from './version-stats.js'

/** Options of {@link DeliveryController}. */
export interface DeliveryControllerOptions {
  /** This replica's name in the samples (default a random id). */
  replica?: string
  /** How often a started controller syncs, flushes and evaluates (default 500 ms). */
  pollMs?: number
  /** Receives every routed prediction (primary, shadow, compare) with its request id. */
  onPrediction?: (p: RoutedPrediction) => void
  /** Chooses keyless requests' split buckets (default random). */
  random?: () => number
  /** Reports a deployment that could not be synced or evaluated, or a failed tick (default: ignored). */
  onError?: (err: unknown) => void
  /**
   * How often label-based guards re-read the step's labelled predictions between decisions
   * (default 5 000 ms); at the end of a step's interval they always read afresh.
   */
  labelRefreshMs?: number
}

/**
 * Progressive delivery's data plane on one server process (a replica): every tick it puts each
 * endpoint's current revision in force on the model server (a change made through any replica
 * is in force on all within one tick), flushes this replica's per-version statistics to the
 * metadata database, and runs the rollout engine — each running rollout's guards on the
 * statistics of every replica: a failed guard rolls back at once; at the end of a step's
 * interval, all passing advances (or promotes at the last step), missing data holds. Decisions
 * are compare-and-set on the revision, so two replicas never both make one. A restarted
 * process resumes a rollout where the database has it.
 */
export class DeliveryController {
  private readonly routers = new Map<string, EndpointRouter>()
  private readonly replica: string
  private timer: NodeJS.Timeout | undefined
  private ticking: Promise<void> | undefined
  private closed = false
  /** Revisions whose alias move this process has checked (once each). */
  private readonly reconciled = new Set<string>()
  /** The last labelled step read per endpoint (label-based guards), with when it was read. */
  private readonly labelled = new Map<
    string,
    { revision: number; readAt: number; step: LabelledStep | undefined }
  >()

  constructor(
    private readonly delivery: DeliveryService,
    private readonly server: ModelServer,
    private readonly options: DeliveryControllerOptions = {},
  ) {
    this.replica = options.replica ?? randomUUID()
  }

  /** Ticks every `pollMs` until closed (the timer does not keep the process alive). */
  start(): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => {
      if (this.ticking !== undefined) return
      this.ticking = this.tick()
        .catch((err) => this.options.onError?.(err))
        .finally(() => {
          this.ticking = undefined
        })
    }, this.options.pollMs ?? 500)
    this.timer.unref()
  }

  /** The router serving `name` on this replica. */
  router(name: string): EndpointRouter | undefined {
    return this.routers.get(name)
  }

  /** One round: sync revisions, flush statistics, evaluate rollouts. */
  async tick(): Promise<void> {
    await this.sync()
    await this.flush()
    for (const name of this.routers.keys()) {
      try {
        await this.evaluate(name)
      } catch (err) {
        this.report(name, err)
      }
    }
  }

  /**
   * Puts every endpoint's current revision in force here. An endpoint that cannot be put in
   * force (its champion fails to load) keeps its previous revision and is reported; the others
   * are not held up. Throws only when the database cannot be read.
   */
  async sync(): Promise<void> {
    for (const head of await this.delivery.store.heads()) {
      const router = this.routers.get(head.name)
      if (router !== undefined && (router.revision ?? 0) >= head.revision) continue
      try {
        const d = await this.delivery.store.find(head.name)
        if (d !== undefined) await this.enforce(d)
      } catch (err) {
        this.report(head.name, err)
      }
    }
  }

  private report(name: string, err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err))
    this.options.onError?.(Object.assign(new Error(`deployment "${name}": ${e.message}`), { cause: e }))
  }

  /** Puts `d` in force here now (used after this replica's own decisions, without waiting a tick). */
  async enforce(d: Deployment): Promise<void> {
    if (this.closed) return
    let router = this.routers.get(d.name)
    if (router === undefined) {
      router = new EndpointRouter(d.name, {
        warm: (model, version) => this.server.warm(`${model}/${version}`, d.name),
        ...(this.options.onPrediction === undefined ? {} : { onPrediction: this.options.onPrediction }),
        ...(this.options.random === undefined ? {} : { random: this.options.random }),
      })
      await router.apply(d.revision, d.policy)
      this.routers.set(d.name, router)
      const before = await this.server.route(d.name, router)
      if (before !== undefined && before !== router) await before.close()
      return
    }
    await router.apply(d.revision, d.policy)
  }

  /** Writes this replica's statistics since the last flush. */
  async flush(): Promise<void> {
    const at = this.delivery.now()
    const rows = [...this.routers.entries()].flatMap(([endpoint, r]) =>
      r.drainStats().map((s) => ({ endpoint, replica: this.replica, at, ...s })),
    )
    await this.delivery.store.addSamples(rows)
  }

  /**
   * Runs the rollout engine on `name`: rolls back on a failed guard at once; when the step's
   * interval is over, advances or promotes when every guard passes and holds when one lacks data.
   */
  async evaluate(name: string): Promise<Deployment | undefined> {
    const d = await this.delivery.store.find(name)
    if (d !== undefined && !this.reconciled.has(`${name}/${d.revision}`)) {
      await this.delivery.reconcileAlias(d)
      this.reconciled.add(`${name}/${d.revision}`)
    }
    if (d === undefined || d.policy.status !== 'progressing' || d.policy.candidate === null) return d
    const p = d.policy
    const candidateVersion = d.policy.candidate
    const now = this.delivery.now()
    const samples = await this.delivery.store.samples(name, d.revision)
    const candidate = emptyStats()
    const champion = emptyStats()
    for (const s of samples) {
      if (s.role === 'candidate' && s.version === p.candidate) mergeStats(candidate, s.stats)
      if (s.role === 'champion' && s.version === p.champion) mergeStats(champion, s.stats)
    }
    const router = this.routers.get(name)
    const loadFailure = router?.revision === d.revision ? router.candidateFailure : undefined
    if (loadFailure !== undefined) {
      const next = await this.delivery.rollbackFrom(
        d,
        'rollout-engine',
        `candidate version ${candidateVersion} failed to load: ${loadFailure}`,
        null,
        true,
      )
      if (next.revision !== d.revision) await this.enforce(next)
      return next
    }
    const due = d.evaluateAt !== null && now >= d.evaluateAt
    const labelled = p.guards.some((g) => isLabelMetric(g.metric))
      ? await this.labelledStep(d, due)
      : undefined
    const guards = evaluateGuards(p.guards, candidate, champion, labelled)
    const evidence: DecisionEvidence = {
      guards,
      candidate: {
        version: candidateVersion,
        calls: candidate.calls,
        errors: candidate.errors,
        p99Ms: latencyQuantile(candidate, 0.99),
      },
      champion: {
        version: p.champion,
        calls: champion.calls,
        errors: champion.errors,
        p99Ms: latencyQuantile(champion, 0.99),
      },
      windowMs: now - d.createdAt,
    }
    const outcome = verdict(guards)
    const actor = 'rollout-engine'
    let next: Deployment | null = null
    if (outcome === 'fail') {
      const failed = guards.filter((g) => g.outcome === 'fail')
      const reason = `guard ${failed.map(describeFailure).join('; ')} failed at ${candidateWeight(p)} %`
      next = await this.delivery.rollbackFrom(d, actor, reason, evidence, true)
    } else if (due) {
      const last = p.step >= p.steps.length - 1
      if (outcome === 'inconclusive') {
        const short = guards.filter((g) => g.outcome === 'inconclusive')
        const reason = `holding at ${candidateWeight(p)} %: ${short.map(describeShort).join('; ')}`
        await this.delivery.hold(d, actor, reason, evidence, now + p.intervalMs)
      } else if (!last) {
        next = await this.delivery.advanceFrom(
          d,
          actor,
          `every guard passed at ${candidateWeight(p)} %; advancing to ${p.steps[p.step + 1]} %`,
          evidence,
        )
      } else if (p.autoPromote) {
        next = await this.delivery.promoteFrom(
          d,
          actor,
          `every guard passed at the last step (${candidateWeight(p)} %); promoting version ${p.candidate}`,
          evidence,
          true,
        )
      } else {
        await this.delivery.hold(
          d,
          actor,
          `every guard passed at the last step (${candidateWeight(p)} %); waiting for "strata deploy promote ${name}"`,
          evidence,
          now + p.intervalMs,
        )
      }
    }
    if (next !== null && next.revision !== d.revision) {
      await this.enforce(next)
      return next
    }
    return d
  }

  /** The step's labelled predictions, re-read at most every `labelRefreshMs` unless `fresh`. */
  private async labelledStep(d: Deployment, fresh: boolean): Promise<LabelledStep | undefined> {
    const cached = this.labelled.get(d.name)
    const at = performance.now()
    if (
      !fresh &&
      cached !== undefined &&
      cached.revision === d.revision &&
      at - cached.readAt < (this.options.labelRefreshMs ?? 5000)
    ) {
      return cached.step
    }
    const step = await this.delivery.labelledStep(d)
    this.labelled.set(d.name, { revision: d.revision, readAt: at, step })
    return step
  }

  /** Stops ticking and routing; the routers' versions are closed after their requests finish. */
  async close(): Promise<void> {
    this.closed = true
    if (this.timer !== undefined) clearInterval(this.timer)
    await this.ticking
    const all = [...this.routers.keys()]
    this.routers.clear()
    await Promise.all(all.map((name) => this.server.unroute(name)?.close()))
  }
}

function describeFailure(g: GuardResult): string {
  const t = g.test
  if (t === undefined) return `${g.metric} = ${fmt(g.value)} > ${g.max} (${g.samples} samples)`
  return `${g.metric}: ${describeLabelTest(g.metric, t)} is worse by more than the margin ${g.max} (p = ${fmtP(t.pValue)}, ${t.test})`
}

function describeShort(g: GuardResult): string {
  if (g.test?.note !== undefined) return `${g.metric}: ${g.test.note}`
  if (g.test === undefined && isLabelMetric(g.metric))
    return `${g.metric}: no payload log to read labels from`
  return `${g.metric} has ${g.samples} of ${g.minSamples} samples`
}

function fmtP(p: number | null): string {
  if (p === null) return 'n/a'
  return p < 1e-4 ? p.toExponential(1) : Number(p.toPrecision(2)).toString()
}

function fmt(v: number | null): string {
  return v === null ? 'n/a' : Number(v.toPrecision(4)).toString()
}
