/**
 * Per-step concurrency limits of one engine: at most `limit` attempts of a step (keyed
 * `<pipeline>/<step>`) under way at once across every run this engine drives; the others wait
 * in order of arrival.
 */
export class StepLimits {
  private readonly running = new Map<string, number>()
  private readonly waiting = new Map<string, (() => void)[]>()

  /** Waits for a slot; resolves the function that frees it. Without a limit, resolves at once. */
  async acquire(key: string, limit: number | undefined): Promise<() => void> {
    if (limit === undefined) return () => {}
    while ((this.running.get(key) ?? 0) >= limit) {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(key) ?? []
        queue.push(resolve)
        this.waiting.set(key, queue)
      })
    }
    this.running.set(key, (this.running.get(key) ?? 0) + 1)
    let freed = false
    return () => {
      if (freed) return
      freed = true
      const n = (this.running.get(key) ?? 1) - 1
      if (n === 0) this.running.delete(key)
      else this.running.set(key, n)
      const queue = this.waiting.get(key)
      queue?.shift()?.()
      if (queue?.length === 0) this.waiting.delete(key)
    }
  }
}
