/**
 * Which steps of a run can start, in constant time per step: each step counts its inputs that
 * have not succeeded yet and becomes ready (first in, first out) when the count reaches zero; a
 * failed step settles everything downstream of it as skipped. Replaces scanning every pending
 * step after each step ends (quadratic on a 10,000-step run).
 */
export class ReadySteps {
  private readonly waitingOn = new Map<string, number>()
  private readonly downstream = new Map<string, string[]>()
  private readonly queue: string[] = []
  private head = 0
  /** Steps handed out by {@link next} or skipped: never ready again. */
  private readonly settled = new Set<string>()

  /**
   * @param steps - the pipeline's steps in declaration (topological) order
   * @param upstream - each step's input steps
   * @param succeeded - steps that already succeeded (a resumed run): they do not run
   */
  constructor(
    steps: readonly string[],
    upstream: ReadonlyMap<string, readonly string[]>,
    succeeded: { has(step: string): boolean },
  ) {
    for (const step of steps) {
      if (succeeded.has(step)) {
        this.settled.add(step)
        continue
      }
      let waiting = 0
      for (const dep of upstream.get(step) ?? []) {
        if (succeeded.has(dep)) continue
        waiting++
        const down = this.downstream.get(dep)
        if (down === undefined) this.downstream.set(dep, [step])
        else down.push(step)
      }
      this.waitingOn.set(step, waiting)
      if (waiting === 0) this.queue.push(step)
    }
  }

  /** The next step whose inputs all succeeded, or undefined when none is ready now. */
  next(): string | undefined {
    while (this.head < this.queue.length) {
      const step = this.queue[this.head++] as string
      if (this.settled.has(step)) continue
      this.settled.add(step)
      return step
    }
    return undefined
  }

  /** Records that `step` succeeded: the steps waiting only on it become ready. */
  succeeded(step: string): void {
    for (const down of this.downstream.get(step) ?? []) {
      const n = (this.waitingOn.get(down) ?? 1) - 1
      this.waitingOn.set(down, n)
      if (n === 0 && !this.settled.has(down)) this.queue.push(down)
    }
  }

  /** Records that `step` failed; returns the steps downstream of it, now skipped, in order. */
  failed(step: string): string[] {
    const skipped: string[] = []
    const stack = [...(this.downstream.get(step) ?? [])].reverse()
    while (stack.length > 0) {
      const down = stack.pop() as string
      if (this.settled.has(down)) continue
      this.settled.add(down)
      skipped.push(down)
      stack.push(...[...(this.downstream.get(down) ?? [])].reverse())
    }
    return skipped
  }
}
