/**
 * The revisions a deployment moves through, as pure functions of its head `d`: each returns the
 * {@link Transition} that {@link DeliveryService} writes (compare-and-set on `d.revision`).
 */
import { StrataError } from '../../core/errors.js'
import type { ServiceContext } from '../../data/index.js'
import { modelVersionNodeId } from '../../registry/index.js'
import { type DeploymentPolicy, isActive } from './deployment-policy.js'
import type { Deployment, Transition } from './deployment-store.js'
import type { DecisionEvidence } from './guards.js'

/** Who made a change, why, on what evidence and when. */
export interface TransitionBy {
  actor: string
  reason: string
  evidence: DecisionEvidence | null
  at: number
}

/** The revision after `d` that puts `policy` in force by `action`, next judged at `evaluateAt`. */
export function transitionTo(
  d: Deployment,
  policy: DeploymentPolicy,
  action: string,
  evaluateAt: number | null,
  by: TransitionBy,
): Transition {
  return { from: d.revision, policy, action, evaluateAt, ...by }
}

/** The candidate becomes the champion; the old champion is kept as `previous` (warm, for a rollback). */
export function promoteTransition(d: Deployment, by: TransitionBy): Transition {
  const p = d.policy
  const policy: DeploymentPolicy = {
    ...p,
    champion: p.candidate as number,
    candidate: null,
    previous: p.champion,
    status: 'promoted',
  }
  return transitionTo(d, policy, 'promote', null, by)
}

/** A running rollout's traffic returns to the champion. */
export function rollbackTransition(d: Deployment, by: TransitionBy): Transition {
  return transitionTo(d, { ...d.policy, status: 'rolled-back' }, 'rollback', null, by)
}

/** After a promotion: the previous champion (`previous`, not null) serves again. */
export function revertPromotionTransition(d: Deployment, by: TransitionBy): Transition {
  const p = d.policy
  const policy: DeploymentPolicy = {
    ...p,
    champion: p.previous as number,
    candidate: p.champion,
    previous: null,
    status: 'rolled-back',
  }
  return transitionTo(d, policy, 'rollback', null, by)
}

/** A running rollout moves to its next step, judged again a full interval later. */
export function advanceTransition(d: Deployment, by: TransitionBy): Transition {
  return transitionTo(d, { ...d.policy, step: d.policy.step + 1 }, 'advance', by.at + d.policy.intervalMs, by)
}

/** Whether `d`'s revision moved the champion, so the model's `champion` alias must follow it. */
export function movesChampion(d: Deployment): boolean {
  const p = d.policy
  return (
    (d.action === 'promote' && p.status === 'promoted') ||
    (d.action === 'rollback' && p.previous === null && p.status === 'rolled-back')
  )
}

/** The lineage of revision `revision` of `name` written by `t`: the versions it serves → the deployment. */
export function deploymentLineage(
  name: string,
  revision: number,
  t: Transition,
): Parameters<ServiceContext['lineage']['record']>[0] {
  const { policy } = t
  const inputs = [
    policy.champion,
    ...(policy.candidate === null || !isActive(policy) ? [] : [policy.candidate]),
  ]
  return {
    inputs: inputs.map((v) => modelVersionNodeId(policy.model, v)),
    output: { id: `deployment:${name}/${revision}`, label: `${name} r${revision} (${t.action})` },
    activity: 'deploy',
    at: t.at,
  }
}

/** `d` when it has a running rollout; `FAILED_PRECONDITION` naming `what` could not be done otherwise. */
export function requireActive(d: Deployment, what: string): Deployment {
  if (!isActive(d.policy)) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `deployment "${d.name}" has no rollout to ${what} (status ${d.policy.status}); start one with "strata deploy create ${d.name} --candidate <version>"`,
      { details: { deployment: d.name, status: d.policy.status } },
    )
  }
  return d
}
