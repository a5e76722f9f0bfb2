/**
 * Runs `check` now (or after `everyMs` when `immediate` is false) and then `everyMs` after each
 * run ends, never two at once, until the returned stop function is called; stop resolves once a
 * run under way has ended. `check` must not reject: report its own errors.
 *
 * @example
 * const stop = pollEvery(10_000, () => pruneOnce().catch(report))
 * await stop()
 */
export function pollEvery(
  everyMs: number,
  check: () => Promise<void>,
  options: { immediate?: boolean } = {},
): () => Promise<void> {
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  const tick = () => {
    if (stopped) return
    running = check().finally(() => {
      running = undefined
      if (!stopped) timer = setTimeout(tick, everyMs)
    })
  }
  if (options.immediate === false) timer = setTimeout(tick, everyMs)
  else tick()
  return async () => {
    stopped = true
    if (timer !== undefined) clearTimeout(timer)
    await running
  }
}
