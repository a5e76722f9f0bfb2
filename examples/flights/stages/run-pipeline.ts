/**
 * Runs a pipeline of the project through the engine with visible progress: one line per step
 * as it ends (ran or reused from the cache, and how long it took), and the plan's reasons.
 */
import type { openStrata, PipelinePlan, PipelineRunResult } from 'strata-ml'
import type { DemoSteps } from '../demo-steps.js'

type Strata = Awaited<ReturnType<typeof openStrata>>

/** Runs `name` with `params`, printing each step as it ends; fails the demo when the run fails. */
export async function runPipeline(
  strata: Strata,
  steps: DemoSteps,
  name: string,
  params: Record<string, unknown>,
  options: { quiet?: boolean; tags?: Record<string, string> } = {},
): Promise<PipelineRunResult> {
  const engine = await strata.pipelines()
  const result = await engine.run(name, {
    params,
    ...(options.tags === undefined ? {} : { tags: options.tags }),
    onEvent: (e) => {
      if (e.status === 'running') steps.progress(`${name}.${e.step}: running…`)
      if (options.quiet === true && e.status !== 'failed') return
      if (e.status === 'succeeded' || e.status === 'failed' || e.status === 'skipped') {
        const took = e.durationMs === undefined ? '' : ` ${(e.durationMs / 1000).toFixed(1)} s`
        const what = e.cached ? 'cached' : e.status
        steps.info(
          `${name}.${e.step.padEnd(12)} ${what}${took}${e.error === undefined ? '' : `: ${e.error}`}`,
        )
      }
    },
  })
  if (result.run.status !== 'succeeded') {
    const failed = result.steps.find((s) => s.status === 'failed')
    throw new Error(`pipeline ${name} run ${result.run.runId} ${result.run.status}: ${failed?.error ?? ''}`)
  }
  return result
}

/** Prints a plan: per step, run or cached, and why. */
export function printPlan(steps: DemoSteps, plan: PipelinePlan): void {
  for (const s of plan.steps)
    steps.info(`${plan.pipeline}.${s.step.padEnd(12)} ${s.action.padEnd(6)} ${s.why}`)
}
