import type { CreateDeploymentInput } from '../../serving/index.js'
import type { RetrainAction } from './loop-types.js'

/** What the loop asks the delivery engine for: the declared rollout of `version` (canary by default). */
export function rolloutInput(action: RetrainAction, version: number, reason: string): CreateDeploymentInput {
  const { shadowFirst: _shadow, strategy, ...rest } = action.rollout ?? {}
  return { ...rest, strategy: strategy ?? 'canary', candidate: version, reason: `${reason}: rollout` }
}

/** The shadow phase before the rollout: mirrored traffic, the shadow's guards, no promotion. */
export function shadowInput(action: RetrainAction, version: number, reason: string): CreateDeploymentInput {
  const r = action.rollout ?? {}
  const s = typeof r.shadowFirst === 'object' ? r.shadowFirst : {}
  return {
    strategy: 'shadow',
    candidate: version,
    autoPromote: false,
    ...(r.candidateTimeoutMs === undefined ? {} : { candidateTimeoutMs: r.candidateTimeoutMs }),
    ...(r.tolerance === undefined ? {} : { tolerance: r.tolerance }),
    ...(r.webhooks === undefined ? {} : { webhooks: r.webhooks }),
    ...((s.intervalMs ?? r.intervalMs) === undefined ? {} : { intervalMs: s.intervalMs ?? r.intervalMs }),
    ...((s.guards ?? r.guards) === undefined ? {} : { guards: s.guards ?? r.guards }),
    reason: `${reason}: shadow`,
  }
}
