/**
 * The time source of the domain services: every timestamp a service records (creation and
 * update times, lineage edges, run start and end) comes from the clock of its service context,
 * so a test can pin time without touching `Date`.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
}

/**
 * The wall clock (`Date.now`).
 *
 * @example
 * const created = systemClock.now()
 */
export const systemClock: Clock = { now: () => Date.now() }
