/**
 * Debug timing of named phases, grouped by area (`features`, `data`, …): a facility of the
 * service context rather than a module global read at import, so each opened project (and
 * each test) decides what is timed and where the lines go.
 */
export interface Tracing {
  /** Whether phases of `area` are timed. */
  enabled(area: string): boolean
  /**
   * Runs `fn`; when `area` is enabled, writes `<area>: <label> <ms> ms` after it settles
   * (also when it throws). Costs one check otherwise.
   */
  timed<T>(area: string, label: string, fn: () => Promise<T>): Promise<T>
}

/** Options of {@link createTracing}. */
export interface TracingOptions {
  /**
   * Areas to time, comma-separated (the format of `STRATA_DEBUG`): `features`, `features,data`,
   * or `*` for every area. Empty or undefined times nothing.
   */
  areas: string | undefined
  /** Where a timing line goes (a whole line, with its newline). */
  write(line: string): void
  /** Monotonic milliseconds (default `performance.now`). */
  now?: () => number
}

/**
 * Tracing that times the areas listed in `areas`.
 *
 * @example
 * const tracing = createTracing({ areas: env.STRATA_DEBUG, write: (l) => process.stderr.write(l) })
 * await tracing.timed('features', 'compute airport_delays', () => compute())
 */
export function createTracing(options: TracingOptions): Tracing {
  const areas = new Set(
    (options.areas ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== ''),
  )
  if (areas.size === 0) return silentTracing
  const now = options.now ?? (() => performance.now())
  const enabled = (area: string) => areas.has('*') || areas.has(area)
  return {
    enabled,
    async timed(area, label, fn) {
      if (!enabled(area)) return fn()
      const t0 = now()
      try {
        return await fn()
      } finally {
        options.write(`${area}: ${label} ${(now() - t0).toFixed(0)} ms\n`)
      }
    },
  }
}

/** Tracing that times nothing. */
export const silentTracing: Tracing = {
  enabled: () => false,
  timed: (_area, _label, fn) => fn(),
}
