import { isActive } from './deployment-policy.js'
import type { Deployment, DeploymentDecision } from './deployment-store.js'

/** A deployment's state with its latest decision. */
export interface DeploymentView extends Deployment {
  /** The candidate's current traffic share (%). */
  weight: number
  lastDecision: DeploymentDecision | null
}

/** The view of `d` given its decisions (oldest first): the candidate's share and the last decision. */
export function deploymentView(d: Deployment, decisions: readonly DeploymentDecision[]): DeploymentView {
  const p = d.policy
  return {
    ...d,
    weight: p.candidate === null || !isActive(p) ? 0 : (p.steps[p.step] ?? 0),
    lastDecision: decisions.at(-1) ?? null,
  }
}
