import type { Clock } from '../core/clock.js'
import type { RunStore } from './run-store.js'

/**
 * While a coordinator drives a run: records its heartbeat every `everyMs` (so another process
 * can tell a dead coordinator), and aborts `controller` when the run's row turned `cancelled` —
 * a cancel requested by any process (`strata pipelines cancel`) reaches the coordinator within
 * one heartbeat. Returns the function that stops it.
 */
export function startHeartbeat(
  store: RunStore,
  runId: string,
  clock: Clock,
  everyMs: number,
  controller: AbortController,
): () => void {
  const beat = setInterval(() => {
    store
      .heartbeat(runId, clock.now())
      .then(() => store.run(runId))
      .then((run) => {
        if (run.status === 'cancelled') controller.abort()
      })
      .catch(() => {})
  }, everyMs)
  beat.unref()
  return () => clearInterval(beat)
}
