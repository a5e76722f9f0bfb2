/**
 * The closed loop's declaration (a monitor action of kind `retrain`) and its persisted state.
 * One loop runs per incident: the training pipeline → a `challenger` version with its
 * evaluation → a rollout through the delivery engine → promoted or rolled back.
 */
import type { CreateDeploymentInput } from '../../serving/index.js'

/** How the challenger goes out: what `strata deploy create` takes, less the versions the loop fills in. */
export type RetrainRollout = Pick<
  CreateDeploymentInput,
  | 'steps'
  | 'intervalMs'
  | 'guards'
  | 'mirror'
  | 'autoPromote'
  | 'candidateTimeoutMs'
  | 'compareRate'
  | 'tolerance'
  | 'webhooks'
> & {
  /** `canary` (default) or `blue-green`; a shadow phase comes first with {@link RetrainRollout.shadowFirst}. */
  strategy?: 'canary' | 'blue-green'
  /**
   * Mirror traffic to the challenger first (strategy `shadow`, no caller sees its answers) for
   * `intervalMs` with these guards (default: the rollout's); when every guard passes the
   * shadow ends and the canary starts, when one fails the loop ends rolled back.
   */
  shadowFirst?: boolean | { intervalMs?: number; guards?: CreateDeploymentInput['guards'] }
}

/**
 * The closed loop, as a monitor action: when an incident opens, run `pipeline` on the latest
 * data, take the model version its `registerStep` returns as `challenger` (with its evaluation
 * metrics, optionally gated), and roll it out on `deployment` with `rollout`'s guards; the
 * delivery engine promotes it or rolls it back. Guard rails: one loop in flight per deployment,
 * `cooldown` after a loop ends, at most `maxPerDay` retrains per deployment in any 24 hours.
 *
 * @example
 * { kind: 'retrain', pipeline: 'train', registerStep: 'register', deployment: 'flight-delay',
 *   params: { until: '{{window.end}}' }, gate: { min: { auc: 0.7 } },
 *   rollout: { steps: [10, 50, 100], intervalMs: 60_000, guards: ['error_rate<=0.01@100'] },
 *   cooldown: '6h', maxPerDay: 2 }
 */
export interface RetrainAction {
  kind: 'retrain'
  /** The training pipeline of the project. */
  pipeline: string
  /** Its parameters; `{{window.start}}`, `{{window.end}}`, `{{monitor}}`, `{{model}}`, `{{incident}}` are filled in. */
  params?: Record<string, unknown>
  /**
   * The step whose output names the version the run registered: a version number, or
   * `{ version, model?, metrics? }` (metrics add to the version's own for the gate).
   */
  registerStep: string
  /** The deployment (endpoint) the challenger rolls out on; it must serve the monitor's model. */
  deployment: string
  /** The rollout (default: canary 5/25/50/100 %, 60 s steps, `error_rate<=0.01@100`). */
  rollout?: RetrainRollout
  /** Evaluation bounds the challenger must meet to be rolled out at all (else the loop ends `rejected`). */
  gate?: { min?: Record<string, number>; max?: Record<string, number> }
  /** No new loop on the deployment until this long after the last one ended (default `1h`). */
  cooldown?: string
  /** Most retrains on the deployment in any 24 hours (default 3). */
  maxPerDay?: number
}

/**
 * Where a loop is. In flight: `retraining` (the pipeline run), `challenger` (the version is
 * registered and aliased, the rollout not yet created), `shadowing`, `rolling-out`. Ended:
 * `promoted`, `rolled-back`, `rejected` (the gate refused the challenger), `failed` (with the
 * reason), `skipped` (in-flight, cooldown or budget: no retrain happened).
 */
export type LoopState =
  | 'retraining'
  | 'challenger'
  | 'shadowing'
  | 'rolling-out'
  | 'promoted'
  | 'rolled-back'
  | 'rejected'
  | 'failed'
  | 'skipped'

/** The states a loop ends in. */
export const LOOP_END_STATES: readonly LoopState[] = [
  'promoted',
  'rolled-back',
  'rejected',
  'failed',
  'skipped',
]

/** Whether a loop in `state` has ended. */
export function loopEnded(state: LoopState): boolean {
  return LOOP_END_STATES.includes(state)
}

/** One step of a loop's timeline. */
export interface LoopEvent {
  at: number
  state: LoopState
  /** What happened, in one line. */
  detail: string
  /** The pipeline run, model version and deployment revision the step produced or saw. */
  runId?: string
  version?: number
  revision?: number
}

/** A loop: one incident's retrain → challenger → rollout → decision, as persisted. */
export interface RetrainLoop {
  id: string
  monitor: string
  /** The incident that started it (one loop per incident). */
  incidentId: string
  deployment: string
  /** The deployment's model. */
  model: string
  pipeline: string
  state: LoopState
  /** The pipeline run (once created). */
  runId: string | null
  /** The challenger version (once registered). */
  version: number | null
  /** The challenger's evaluation metrics (its version's, plus those the register step returned). */
  metrics: Record<string, number>
  /** The deployment revision of the rollout (once created). */
  revision: number | null
  /** Why it ended (or was skipped), for every end state. */
  reason: string | null
  /** The action as declared when the loop started (later edits do not change a running loop). */
  action: RetrainAction
  /** The alert's window (ISO times), the template values of the pipeline's params. */
  window: { start: string; end: string }
  events: LoopEvent[]
  createdAt: number
  updatedAt: number
  endedAt: number | null
}
