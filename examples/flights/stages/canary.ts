/**
 * The challenger goes out on canary through the delivery engine: the endpoint becomes a
 * progressive-delivery deployment (champion + candidate), judged by guards every interval of
 * simulated time, promoted or rolled back by the engine itself — decisions printed with their
 * evidence as they are recorded.
 */
import type { openStrata } from 'strata-ml'
import type { DemoSteps } from '../demo-steps.js'
import { ENDPOINT } from './traffic.js'

type Strata = Awaited<ReturnType<typeof openStrata>>
const DAY = 86_400_000

/**
 * The rollout the demo uses: 25 → 50 → 100 %, three simulated days a step. The guards judge
 * what the serving path measures: errors, an absolute latency bound (a p99 ratio over a few
 * dozen calls is at the mercy of one slow call on a shared machine), and the candidate's
 * output distribution against the champion's. Label-based guards are not in delivery yet.
 */
export const ROLLOUT = {
  steps: [25, 50, 100],
  intervalMs: 3 * DAY,
  guards: ['error_rate<=0.01@30', 'latency_p99_ms<=250@30', 'output_psi<=0.25@60'],
}

/** A canary in flight: tick it once per simulated day; `decision` is set when it ended. */
export class Canary {
  private seen = 0
  decision: { action: string; at: number } | undefined

  private constructor(
    private readonly serve: Strata,
    private readonly steps: DemoSteps,
    readonly champion: number,
    readonly challenger: number,
  ) {}

  /** Creates the deployment (champion first, then the candidate's rollout) and puts it in force. */
  static async start(serve: Strata, steps: DemoSteps, champion: number, challenger: number, reason: string) {
    const delivery = await serve.delivery()
    await delivery.create(ENDPOINT, { champion, reason: 'the champion behind the canary' })
    await delivery.create(ENDPOINT, { candidate: challenger, ...ROLLOUT, reason })
    const controller = await serve.deliveryController()
    await controller.sync()
    const canary = new Canary(serve, steps, champion, challenger)
    await canary.report()
    return canary
  }

  /** One round of the rollout engine (after a simulated day of traffic); prints new decisions. */
  async tick(): Promise<{ action: string; at: number } | undefined> {
    const controller = await this.serve.deliveryController()
    await controller.tick()
    await this.report()
    return this.decision
  }

  private async report(): Promise<void> {
    const delivery = await this.serve.delivery()
    const { decisions } = await delivery.history(ENDPOINT)
    const fresh = decisions.slice(this.seen)
    this.seen = decisions.length
    for (const d of fresh) {
      const when = new Date(d.at).toISOString().slice(0, 16).replace('T', ' ')
      const evidence = (d.evidence?.guards ?? [])
        .map(
          (g) =>
            `${g.metric} ${g.value === null ? 'n/a' : Number(g.value).toFixed(3)} (max ${g.max}, n=${g.samples})`,
        )
        .join(', ')
      this.steps.info(
        `canary ${when}: ${d.action}${d.reason ? ` — ${d.reason}` : ''}${evidence ? `; ${evidence}` : ''}`,
      )
      if (d.action === 'promote' || d.action === 'rollback') this.decision = { action: d.action, at: d.at }
    }
  }
}
