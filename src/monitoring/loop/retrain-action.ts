import { errorMessage, StrataError } from '../../core/errors.js'
import { GUARD_METRICS, parseGuard } from '../../serving/index.js'
import { monitorDuration } from '../monitors/monitor-duration.js'
import type { RetrainAction } from './loop-types.js'

/** Default cooldown after a loop ends. */
export const DEFAULT_COOLDOWN = '1h'
/** Default most retrains per deployment in 24 hours. */
export const DEFAULT_MAX_PER_DAY = 3

const bad = (where: string, text: string) => new StrataError('INVALID_ARGUMENT', `${where}: ${text}`)

function checkBounds(where: string, name: string, bounds: unknown): void {
  if (bounds === undefined) return
  if (typeof bounds !== 'object' || bounds === null || Array.isArray(bounds))
    throw bad(where, `gate.${name} must map metric names to numbers, e.g. { auc: 0.7 }`)
  for (const [k, v] of Object.entries(bounds)) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw bad(where, `gate.${name}.${k} ${JSON.stringify(v)} is not a number`)
  }
}

/**
 * Checks a `retrain` action of monitor `where` (everything that can be checked before the
 * pipeline, deployment and versions exist); `INVALID_ARGUMENT` naming the offending field.
 */
export function checkRetrainAction(where: string, a: RetrainAction): void {
  for (const key of ['pipeline', 'registerStep', 'deployment'] as const) {
    if (typeof a[key] !== 'string' || a[key] === '')
      throw bad(where, `a retrain action needs ${key} (a name), got ${JSON.stringify(a[key])}`)
  }
  monitorDuration(`${where}: retrain cooldown`, a.cooldown ?? DEFAULT_COOLDOWN)
  const max = a.maxPerDay ?? DEFAULT_MAX_PER_DAY
  if (!Number.isInteger(max) || max < 1)
    throw bad(where, `retrain maxPerDay ${JSON.stringify(a.maxPerDay)} is invalid; expected an integer ≥ 1`)
  checkBounds(where, 'min', a.gate?.min)
  checkBounds(where, 'max', a.gate?.max)
  const strategy = a.rollout?.strategy
  if (strategy !== undefined && strategy !== 'canary' && strategy !== 'blue-green')
    throw bad(
      where,
      `retrain rollout.strategy ${JSON.stringify(strategy)} is invalid; use "canary" or "blue-green" (and shadowFirst for a shadow phase)`,
    )
  const shadow = a.rollout?.shadowFirst
  const guards = [...(a.rollout?.guards ?? []), ...(typeof shadow === 'object' ? (shadow.guards ?? []) : [])]
  for (const g of guards) {
    try {
      if (typeof g === 'string') parseGuard(g)
      else if (!(GUARD_METRICS as readonly string[]).includes(g?.metric))
        throw new Error(`guard metric "${g?.metric}" is unknown; use one of ${GUARD_METRICS.join(', ')}`)
    } catch (err) {
      throw bad(where, `retrain rollout guard: ${errorMessage(err)}`)
    }
  }
  if (
    a.params !== undefined &&
    (typeof a.params !== 'object' || a.params === null || Array.isArray(a.params))
  )
    throw bad(where, 'retrain params must be an object of pipeline parameters')
}

/** The cooldown of `a` in ms. */
export function cooldownMs(a: RetrainAction): number {
  return monitorDuration('retrain cooldown', a.cooldown ?? DEFAULT_COOLDOWN)
}

/** Whether `metrics` meet `a`'s gate; the broken bounds (`auc 0.61 < 0.7`, `log_loss missing`) otherwise. */
export function gateViolations(a: RetrainAction, metrics: Record<string, number>): string[] {
  const out: string[] = []
  for (const [k, min] of Object.entries(a.gate?.min ?? {})) {
    const v = metrics[k]
    if (v === undefined) out.push(`${k} missing (needs ≥ ${min})`)
    else if (!(v >= min)) out.push(`${k} ${v} < ${min}`)
  }
  for (const [k, max] of Object.entries(a.gate?.max ?? {})) {
    const v = metrics[k]
    if (v === undefined) out.push(`${k} missing (needs ≤ ${max})`)
    else if (!(v <= max)) out.push(`${k} ${v} > ${max}`)
  }
  return out
}
