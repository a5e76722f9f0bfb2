/**
 * Progress while a monitor runs: when its alert starts the training pipeline (the monitor's
 * action runs it to completion), shows which step of that run is under way.
 */
import type { openStrata } from 'strata-ml'
import type { DemoSteps } from '../demo-steps.js'

type Strata = Awaited<ReturnType<typeof openStrata>>

/** Polls the newest training run every second until stopped. */
export function watchTraining(serve: Strata, steps: DemoSteps): { stop(): void } {
  const since = Date.now()
  let busy = false
  const timer = setInterval(async () => {
    if (busy) return
    busy = true
    try {
      const engine = await serve.pipelines()
      const [run] = await engine.runs({ pipeline: 'training', limit: 1 })
      if (run === undefined || run.status !== 'running') return
      const { steps: states } = await engine.show(run.runId)
      const line = states.map((s) => `${s.step} ${s.cached ? 'cached' : s.status}`).join(' → ')
      steps.progress(`retraining (run ${run.runId}, ${((Date.now() - since) / 1000).toFixed(0)} s): ${line}`)
    } catch {
      // progress only
    } finally {
      busy = false
    }
  }, 1000)
  return { stop: () => clearInterval(timer) }
}
