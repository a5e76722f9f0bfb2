const enabled = /(^|,)(features|\*)(,|$)/.test(process.env.STRATA_DEBUG ?? '')

/**
 * Times a phase and, when `STRATA_DEBUG` includes `features` (or `*`), prints
 * `features: <label> <ms>` to stderr. Costs nothing otherwise.
 */
export async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  if (!enabled) return fn()
  const t0 = performance.now()
  try {
    return await fn()
  } finally {
    process.stderr.write(`features: ${label} ${(performance.now() - t0).toFixed(0)} ms\n`)
  }
}
