/**
 * Drives and shows the closed loop as simulated time advances: after each simulated day of
 * traffic one round of the delivery engine (guards judged, the rollout advanced, promoted or
 * rolled back) and of the monitor's loops (which pick up the verdict), printing every new
 * deployment decision (with its evidence) and every new step of the loop's timeline.
 */
import type { openStrata } from 'strata-ml'
import type { DemoSteps } from '../demo-steps.js'

type Strata = Awaited<ReturnType<typeof openStrata>>
const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ')

/** How a loop ended. */
export interface LoopEnd {
  id: string
  state: string
  version: number | null
  runId: string | null
  endedAt: number
  reason: string | null
}

export class LoopWatch {
  private decisions = 0
  private readonly events = new Map<string, number>()

  constructor(
    private readonly serve: Strata,
    private readonly steps: DemoSteps,
    private readonly endpoint: string,
    private readonly monitor: string,
  ) {}

  /** One round; resolves the loops that ended in it. */
  async tick(): Promise<LoopEnd[]> {
    await (await this.serve.deliveryController()).tick()
    const monitoring = await this.serve.monitoring()
    await monitoring.advanceLoops()
    return this.report()
  }

  /** Prints what is new; resolves the loops that ended since the last report. */
  async report(): Promise<LoopEnd[]> {
    const delivery = await this.serve.delivery()
    const { decisions } = await delivery.history(this.endpoint)
    for (const d of decisions.slice(this.decisions)) {
      const evidence = (d.evidence?.guards ?? [])
        .map(
          (g) =>
            `${g.metric} ${g.value === null ? 'n/a' : Number(g.value).toFixed(3)} (max ${g.max}, n=${g.samples})`,
        )
        .join(', ')
      this.steps.info(
        `deploy ${when(d.at)}: ${d.action}${d.reason ? ` — ${d.reason}` : ''}${evidence ? `; ${evidence}` : ''}`,
      )
    }
    this.decisions = decisions.length
    const ended: LoopEnd[] = []
    const monitoring = await this.serve.monitoring()
    for (const loop of [...(await monitoring.loops({ monitor: this.monitor }))].reverse()) {
      const seen = this.events.get(loop.id) ?? 0
      for (const e of loop.events.slice(seen)) this.steps.info(`loop ${when(e.at)}: ${e.state} — ${e.detail}`)
      this.events.set(loop.id, loop.events.length)
      if (seen < loop.events.length && loop.endedAt !== null && loop.state !== 'skipped') {
        ended.push({
          id: loop.id,
          state: loop.state,
          version: loop.version,
          runId: loop.runId,
          endedAt: loop.endedAt,
          reason: loop.reason,
        })
      }
    }
    return ended
  }
}
