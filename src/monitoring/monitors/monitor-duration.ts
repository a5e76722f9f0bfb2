import { parseDuration } from '../../core/duration.js'

/**
 * Milliseconds of a monitor's duration (`window.every`, `performance.labelDelay`, a retrain
 * `cooldown`): Strata's duration syntax in minutes and up (`30m`, `1h`, `7d`);
 * `INVALID_ARGUMENT` naming `what` otherwise.
 */
export const monitorDuration = (what: string, value: unknown): number =>
  parseDuration(what, value, ['m', 'h', 'd'])
