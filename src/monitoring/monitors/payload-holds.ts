import type { PayloadHold } from '../../serving/index.js'
import type { MonitorDefinition } from './monitor-definition.js'

/**
 * What payload-log retention must keep for the monitors: for each monitor whose windows read
 * the payload log, its last whole window and the one running now (from the start of the last
 * whole window at `now`, as `strata monitor run` and the scheduler compute it).
 */
export function payloadHolds(monitors: readonly MonitorDefinition[], now: number): PayloadHold[] {
  return monitors
    .filter((m) => m.window.source.kind === 'payload-log')
    .map((m) => ({
      from: Math.floor(now / m.windowMs) * m.windowMs - m.windowMs,
      reason: `monitor "${m.name}" reads the payload log in ${m.window.every} windows`,
    }))
}
