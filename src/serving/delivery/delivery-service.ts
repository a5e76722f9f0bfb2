import { StrataError } from '../../core/errors.js'
import type { ServiceContext } from '../../data/index.js'
import { type ModelRegistry, type ModelVersion, modelVersionNodeId } from '../../registry/index.js'
import { LabelStore, type PayloadStore } from '../payload-log/index.js'
import type { DeliveryTables } from './delivery-migrations.js'
import { buildPolicy, type CreateDeploymentInput, checkSameInputs } from './deployment-input.js'
import { type DeploymentPolicy, isActive, isLabelMetric } from './deployment-policy.js'
import {
  type Deployment,
  type DeploymentDecision,
  type DeploymentRevision,
  DeploymentStore,
  type Transition,
} from './deployment-store.js'
import type { DecisionEvidence } from './guards.js'
import { type LabelledStep, readLabelledStep, rolloutRevisions } from './label-guards.js'
import { sendWebhooks } from './webhooks.js'

/** A deployment's state with its latest decision. */
export interface DeploymentView extends Deployment {
  /** The candidate's current traffic share (%). */
  weight: number
  lastDecision: DeploymentDecision | null
}

/** Called with each recorded decision. */
export type DecisionListener = (d: Deployment, decision: DeploymentDecision) => void

const ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

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
    if (!ENDPOINT_NAME.test(name)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `deployment name "${name}" is invalid; expected letters, digits, ".", "_" or "-" (at most 128, not starting with a symbol)`,
      )
    }
    const current = await this.store.find(name)
    if (current !== undefined && isActive(current.policy)) {
      const p = current.policy
      throw new StrataError(
        'CONFLICT',
        `deployment "${name}" already has a rollout ${p.status} (revision ${current.revision}: version ${p.candidate} against champion ${p.champion}); promote, roll back or abort it first`,
        { details: { deployment: name, revision: current.revision, status: p.status } },
      )
    }
    const model = input.model ?? current?.policy.model ?? name
    if (current !== undefined && current.policy.model !== model) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `deployment "${name}" serves model "${current.policy.model}", not "${model}"`,
      )
    }
    const championVersion = await this.championOf(model, input.champion ?? current?.policy.champion)
    const candidateVersion =
      input.candidate === undefined ? undefined : await this.version(model, input.candidate, 'candidate')
    if (candidateVersion !== undefined) {
      if (candidateVersion.version === championVersion.version) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `candidate version ${candidateVersion.version} is the champion; roll out another version`,
        )
      }
      checkSameInputs(championVersion, candidateVersion)
    }
    const policy = buildPolicy(
      model,
      championVersion.version,
      candidateVersion?.version ?? null,
      input,
      current?.policy,
    )
    const labelGuard = policy.guards.find((g) => isLabelMetric(g.metric))
    if (labelGuard !== undefined && this.payloads === undefined) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `guard ${labelGuard.metric} judges logged predictions, but the payload log is off (payloadLog.enabled: false or sampleRate: 0 in strata.config.ts); turn it on or use serving guards only`,
        { details: { guard: labelGuard.metric } },
      )
    }
    const at = this.now()
    const d = await this.write(name, {
      from: current?.revision ?? 0,
      policy,
      action: 'create',
      actor: this.actor,
      reason:
        input.reason ??
        (candidateVersion === undefined
          ? `serve version ${policy.champion}`
          : `${policy.strategy} rollout of version ${policy.candidate}`),
      evidence: null,
      evaluateAt: isActive(policy) ? at + policy.intervalMs : null,
      at,
    })
    return d
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
    const { policy } = t
    const d = await this.store.transition(name, {
      ...t,
      also: async (trx, revision) => {
        const inputs = [
          policy.champion,
          ...(policy.candidate === null || !isActive(policy) ? [] : [policy.candidate]),
        ]
        await this.context.lineage.record(
          {
            inputs: inputs.map((v) => modelVersionNodeId(policy.model, v)),
            output: { id: `deployment:${name}/${revision}`, label: `${name} r${revision} (${t.action})` },
            activity: 'deploy',
            at: t.at,
          },
          trx,
        )
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
    const decisions = await this.store.decisions(name)
    const p = d.policy
    return {
      ...d,
      weight: p.candidate === null || !isActive(p) ? 0 : (p.steps[p.step] ?? 0),
      lastDecision: decisions.at(-1) ?? null,
    }
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
    const candidate = p.candidate as number
    const t: Transition = {
      from: d.revision,
      policy: { ...p, champion: candidate, candidate: null, previous: p.champion, status: 'promoted' },
      action: 'promote',
      actor,
      reason,
      evidence,
      evaluateAt: null,
      at: this.now(),
    }
    const next = race ? await this.tryWrite(d.name, t) : await this.write(d.name, t)
    if (next === null) return d
    await this.registry.setAlias(p.model, 'champion', candidate, {
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
    if (
      !(
        (d.action === 'promote' && p.status === 'promoted') ||
        (d.action === 'rollback' && p.previous === null && p.status === 'rolled-back')
      )
    )
      return false
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
      const next = await this.write(name, {
        from: d.revision,
        policy: { ...p, champion: p.previous, candidate: p.champion, previous: null, status: 'rolled-back' },
        action: 'rollback',
        actor: this.actor,
        reason,
        evidence: null,
        evaluateAt: null,
        at: this.now(),
      })
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
    const t: Transition = {
      from: d.revision,
      policy: { ...d.policy, status: 'rolled-back' },
      action: 'rollback',
      actor,
      reason,
      evidence,
      evaluateAt: null,
      at: this.now(),
    }
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
    const at = this.now()
    return this.tryWrite(d.name, {
      from: d.revision,
      policy: { ...d.policy, step: d.policy.step + 1 },
      action: 'advance',
      actor,
      reason,
      evidence,
      evaluateAt: at + d.policy.intervalMs,
      at,
    })
  }

  private manual(
    d: Deployment,
    policy: DeploymentPolicy,
    action: string,
    reason: string,
    evaluateAt: number | null,
  ): Promise<Deployment> {
    return this.write(d.name, {
      from: d.revision,
      policy,
      action,
      actor: this.actor,
      reason,
      evidence: null,
      evaluateAt,
      at: this.now(),
    })
  }

  private async activeOf(name: string, what: string): Promise<Deployment> {
    const d = await this.store.get(name)
    if (!isActive(d.policy)) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `deployment "${name}" has no rollout to ${what} (status ${d.policy.status}); start one with "strata deploy create ${name} --candidate <version>"`,
        { details: { deployment: name, status: d.policy.status } },
      )
    }
    return d
  }

  private async championOf(model: string, given: number | undefined): Promise<ModelVersion> {
    if (given !== undefined) return this.version(model, given, 'champion')
    try {
      return await this.registry.getVersionByAlias(model, 'champion')
    } catch (err) {
      if ((err as { code?: string }).code !== 'NOT_FOUND') throw err
      await this.registry.getModel(model)
      throw new StrataError(
        'FAILED_PRECONDITION',
        `model "${model}" has no "champion" alias; pass the champion version (--champion <version>) or set the alias with "strata models alias ${model} champion <version>"`,
      )
    }
  }

  private async version(model: string, version: number, role: string): Promise<ModelVersion> {
    if (!Number.isInteger(version) || version < 1) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `${role} version "${version}" is invalid; expected a version number ≥ 1`,
      )
    }
    let v: ModelVersion
    try {
      v = await this.registry.getVersion(model, version)
    } catch (err) {
      if ((err as { code?: string }).code !== 'NOT_FOUND') throw err
      const known = await this.registry.listVersions(model).catch(() => [])
      throw new StrataError(
        'NOT_FOUND',
        `${role} version ${version} of model "${model}" does not exist${
          known.length > 0
            ? ` (versions: ${known
                .map((k) => k.version)
                .sort((a, b) => a - b)
                .join(', ')})`
            : ''
        }`,
        { details: { model, version, known: known.map((k) => k.version) } },
      )
    }
    if (v.status !== 'READY') {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `${role} version ${version} of model "${model}" is ${v.status}, not READY`,
      )
    }
    if (v.signature === null) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `${role} version ${version} of model "${model}" has no signature; it cannot be served`,
      )
    }
    return v
  }
}
