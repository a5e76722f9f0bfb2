import { StrataError } from '../../core/errors.js'
import type { ServiceContext } from '../../data/index.js'
import type { ModelRegistry } from '../../registry/index.js'
import { LabelStore, type PayloadStore } from '../payload-log/index.js'
import type { DeliveryTables } from './delivery-migrations.js'
import { checkEndpointName, planCreate } from './deployment-create.js'
import type { CreateDeploymentInput } from './deployment-input.js'
import { type DeploymentPolicy, isActive } from './deployment-policy.js'
import {
  type Deployment,
  type DeploymentDecision,
  type DeploymentRevision,
  DeploymentStore,
  type Transition,
} from './deployment-store.js'
import {
  advanceTransition,
  deploymentLineage,
  movesChampion,
  promoteTransition,
  requireActive,
  revertPromotionTransition,
  rollbackTransition,
  transitionTo,
} from './deployment-transitions.js'
import { type DeploymentView, deploymentView } from './deployment-view.js'
import type { DecisionEvidence } from './guards.js'
import { type LabelledStep, readLabelledStep, rolloutRevisions } from './labelled-step.js'
import { sendWebhooks } from './webhooks.js'

/** Called with each recorded decision. */
export type DecisionListener = (d: Deployment, decision: DeploymentDecision) => void

/**
 * Progressive delivery's control plane: named endpoints whose traffic policy over a registered
 * model's versions changes only by new immutable revisions (who, when, why), each linked in the
 * lineage graph (`model-version` → `deployment`). Every input is validated before anything is
 * written; decisions are recorded with their evidence and POSTed to the policy's webhooks by the
 * process that made them (CLI, REST or rollout engine). The serving side
 * ({@link DeliveryController}) puts each revision in force on every replica.
 *
 * @example
 * const delivery = await strata.delivery()
 * await delivery.create('flight-delay', { candidate: 4, steps: [5, 25, 50, 100], intervalMs: 60_000, guards: ['error_rate<=0.02@200'] })
 */
export class DeliveryService {
  /** The endpoint, revision, decision and sample tables. */
  readonly store: DeploymentStore
  private readonly listeners = new Set<DecisionListener>()
  private readonly labels: LabelStore

  constructor(
    private readonly context: ServiceContext,
    private readonly registry: ModelRegistry,
    /** The payload log, opened on first use (label-based guards read the step's predictions); absent when it is off. */
    private readonly payloads?: () => Promise<Pick<PayloadStore, 'query'>>,
  ) {
    this.store = new DeploymentStore(context.metadata.db.withTables<DeliveryTables>())
    this.labels = new LabelStore(context)
  }

  /** What label-based guards judge in `d`'s rollout (see {@link readLabelledStep}); undefined without a payload log. */
  async labelledStep(d: Deployment): Promise<LabelledStep | undefined> {
    if (this.payloads === undefined || d.policy.candidate === null) return undefined
    const revisions = rolloutRevisions(await this.store.revisions(d.name), d)
    return readLabelledStep(d, revisions, await this.payloads(), this.labels)
  }

  /** The time now, from the context's clock. */
  now(): number {
    return this.context.clock.now()
  }

  /** Who acts. */
  get actor(): string {
    return this.context.principal.id
  }

  /** Registers a listener for every decision this service records. */
  onDecision(listener: DecisionListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Creates endpoint `name` or a new revision of it: serves `champion`, and with a `candidate`
   * starts a rollout by `strategy`. Rejected before anything changes when the weights do not sum
   * to 100, a version is unknown or not READY, the candidate's inputs differ from the
   * champion's, a guard's metric does not exist, or a rollout is already running on `name`.
   */
  async create(name: string, input: CreateDeploymentInput = {}): Promise<Deployment> {
    checkEndpointName(name)
    const current = await this.store.find(name)
    const { policy, defaultReason } = await planCreate(
      this.registry,
      name,
      current,
      input,
      this.payloads !== undefined,
    )
    const at = this.now()
    return this.write(name, {
      from: current?.revision ?? 0,
      policy,
      action: 'create',
      actor: this.actor,
      reason: input.reason ?? defaultReason,
      evidence: null,
      evaluateAt: isActive(policy) ? at + policy.intervalMs : null,
      at,
    })
  }

  /**
   * Applies `t` if `name` is still at `t.from`, recording lineage and telling the listeners;
   * `CONFLICT` when another change came first.
   */
  async write(name: string, t: Transition): Promise<Deployment> {
    const d = await this.tryWrite(name, t)
    if (d === null) {
      throw new StrataError(
        'CONFLICT',
        `deployment "${name}" changed while this change was being made (it is no longer at revision ${t.from}); look at "strata deploy status ${name}" and retry`,
      )
    }
    return d
  }

  /** Like {@link write}, but null when another change came first (the rollout engine's race). */
  async tryWrite(name: string, t: Transition): Promise<Deployment | null> {
    const d = await this.store.transition(name, {
      ...t,
      also: async (trx, revision) => {
        await this.context.lineage.record(deploymentLineage(name, revision, t), trx)
      },
    })
    if (d !== null) await this.announce(d)
    return d
  }

  /** Tells the listeners and the policy's webhooks about `d`'s latest decision (awaited, never failing). */
  private async announce(d: Deployment): Promise<void> {
    const last = (await this.store.decisions(d.name)).at(-1)
    if (last === undefined) return
    for (const l of this.listeners) l(d, last)
    for (const f of await sendWebhooks(d, last)) this.onWebhookFailure?.(f.url, f.error)
  }

  /** Called with each webhook that could not be delivered (default: none). */
  onWebhookFailure: ((url: string, error: string) => void) | undefined

  /** Records a hold (no traffic change) if still due; false when another replica did. */
  async hold(
    d: Deployment,
    actor: string,
    reason: string,
    evidence: DecisionEvidence,
    evaluateAt: number,
  ): Promise<boolean> {
    const at = this.now()
    const done = await this.store.hold(d.name, d.revision, d.evaluateAt ?? 0, evaluateAt, {
      actor,
      reason,
      evidence,
      at,
    })
    if (done) await this.announce({ ...d, evaluateAt })
    return done
  }

  /** The endpoint `name`: its revision, policy, the candidate's share and the last decision. */
  async status(name: string): Promise<DeploymentView> {
    const d = await this.store.get(name)
    return deploymentView(d, await this.store.decisions(name))
  }

  /** Every endpoint's status. */
  async list(): Promise<DeploymentView[]> {
    const heads = await this.store.heads()
    return Promise.all(heads.map((h) => this.status(h.name)))
  }

  /** Every revision and every decision of `name`, oldest first. */
  async history(name: string): Promise<{ revisions: DeploymentRevision[]; decisions: DeploymentDecision[] }> {
    await this.store.get(name)
    const [revisions, decisions] = await Promise.all([this.store.revisions(name), this.store.decisions(name)])
    return { revisions, decisions }
  }

  /**
   * Promotes the running rollout's candidate now: it becomes the champion (the model's
   * `champion` alias moves; the old champion stays registered and is kept warm).
   */
  async promote(
    name: string,
    options: { reason?: string; evidence?: DecisionEvidence } = {},
  ): Promise<Deployment> {
    const d = await this.activeOf(name, 'promote')
    return this.promoteFrom(
      d,
      this.actor,
      options.reason ?? 'promoted by hand',
      options.evidence ?? null,
      false,
    )
  }

  /** The promotion of `d` (by hand or by the rollout engine); null when another change came first. */
  async promoteFrom(
    d: Deployment,
    actor: string,
    reason: string,
    evidence: DecisionEvidence | null,
    race: boolean,
  ): Promise<Deployment> {
    const p = d.policy
    const t = promoteTransition(d, { actor, reason, evidence, at: this.now() })
    const next = race ? await this.tryWrite(d.name, t) : await this.write(d.name, t)
    if (next === null) return d
    await this.registry.setAlias(p.model, 'champion', p.candidate as number, {
      actor,
      reason: `deployment ${d.name} r${next.revision}: ${reason}`,
    })
    return next
  }

  /**
   * Completes a promotion or rollback whose alias move did not happen (the process died between
   * writing the revision and moving the alias): when `d`'s revision moved the champion and the
   * `champion` alias was not moved since, it is moved to the policy's champion. True when it moved.
   */
  async reconcileAlias(d: Deployment): Promise<boolean> {
    const p = d.policy
    if (!movesChampion(d)) return false
    const history = await this.registry.aliasHistory(p.model, { alias: 'champion' })
    const last = history.at(-1)
    if (last?.toVersion === p.champion) return false
    if (last !== undefined && last.at >= d.createdAt) return false
    await this.registry.setAlias(p.model, 'champion', p.champion, {
      actor: d.actor,
      reason: `deployment ${d.name} r${d.revision}: ${d.reason ?? d.action} (completed)`,
    })
    return true
  }

  /**
   * Rolls back at once: a running rollout's traffic returns to the champion; after a promotion,
   * the previous champion (kept warm) serves again and the `champion` alias moves back.
   */
  async rollback(name: string, options: { reason?: string } = {}): Promise<Deployment> {
    const d = await this.store.get(name)
    const p = d.policy
    const reason = options.reason ?? 'rolled back by hand'
    if (isActive(p)) return this.rollbackFrom(d, this.actor, reason, null, false)
    if (p.status === 'promoted' && p.previous !== null) {
      const by = { actor: this.actor, reason, evidence: null, at: this.now() }
      const next = await this.write(name, revertPromotionTransition(d, by))
      await this.registry.setAlias(p.model, 'champion', p.previous, {
        actor: this.actor,
        reason: `deployment ${name} r${next.revision}: ${reason}`,
      })
      return next
    }
    throw new StrataError(
      'FAILED_PRECONDITION',
      `deployment "${name}" has nothing to roll back (status ${p.status}${p.status === 'promoted' ? ', no previous champion kept' : ''})`,
    )
  }

  /** The rollback of a running rollout (by hand or by a guard). */
  async rollbackFrom(
    d: Deployment,
    actor: string,
    reason: string,
    evidence: DecisionEvidence | null,
    race: boolean,
  ): Promise<Deployment> {
    const t = rollbackTransition(d, { actor, reason, evidence, at: this.now() })
    return (race ? await this.tryWrite(d.name, t) : await this.write(d.name, t)) ?? d
  }

  /** Holds the rollout at its step: no guard decides until {@link resume}. */
  async pause(name: string, options: { reason?: string } = {}): Promise<Deployment> {
    const d = await this.activeOf(name, 'pause')
    if (d.policy.status === 'paused')
      throw new StrataError('FAILED_PRECONDITION', `deployment "${name}" is already paused`)
    return this.manual(
      d,
      { ...d.policy, status: 'paused' },
      'pause',
      options.reason ?? 'paused by hand',
      null,
    )
  }

  /** Resumes a paused rollout; its step runs a full interval from now. */
  async resume(name: string, options: { reason?: string } = {}): Promise<Deployment> {
    const d = await this.activeOf(name, 'resume')
    if (d.policy.status !== 'paused')
      throw new StrataError(
        'FAILED_PRECONDITION',
        `deployment "${name}" is not paused (status ${d.policy.status})`,
      )
    return this.manual(
      d,
      { ...d.policy, status: 'progressing' },
      'resume',
      options.reason ?? 'resumed by hand',
      this.now() + d.policy.intervalMs,
    )
  }

  /** Stops the rollout without a verdict: all traffic to the champion, the candidate unloaded. */
  async abort(name: string, options: { reason?: string } = {}): Promise<Deployment> {
    const d = await this.activeOf(name, 'abort')
    return this.manual(
      d,
      { ...d.policy, status: 'aborted' },
      'abort',
      options.reason ?? 'aborted by hand',
      null,
    )
  }

  /** Moves a running rollout to its next step (the rollout engine, when every guard passed). */
  async advanceFrom(
    d: Deployment,
    actor: string,
    reason: string,
    evidence: DecisionEvidence,
  ): Promise<Deployment | null> {
    return this.tryWrite(d.name, advanceTransition(d, { actor, reason, evidence, at: this.now() }))
  }

  private manual(
    d: Deployment,
    policy: DeploymentPolicy,
    action: string,
    reason: string,
    evaluateAt: number | null,
  ): Promise<Deployment> {
    const by = { actor: this.actor, reason, evidence: null, at: this.now() }
    return this.write(d.name, transitionTo(d, policy, action, evaluateAt, by))
  }

  private async activeOf(name: string, what: string): Promise<Deployment> {
    return requireActive(await this.store.get(name), what)
  }
}
