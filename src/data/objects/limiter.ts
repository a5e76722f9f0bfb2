/**
 * A counting semaphore: at most `limit` tasks run at once; the rest wait in FIFO order.
 *
 * @example
 * const limit = new Limiter(8)
 * await Promise.all(files.map((f) => limit.run(() => upload(f))))
 */
export class Limiter {
  private active = 0
  private readonly waiting: (() => void)[] = []

  constructor(readonly limit: number) {}

  /** Resolves once a slot is free; the caller must call the returned release exactly once. */
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve))
    else this.active++
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      // Hand the slot straight to the next waiter, so `active` never dips below the queue.
      if (next) next()
      else this.active--
    }
  }

  /** Runs `task` in a slot. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire()
    try {
      return await task()
    } finally {
      release()
    }
  }
}

/**
 * Runs `fn` over `items` with at most `concurrency` in flight; resolves results in input
 * order, or rejects with the first error after the in-flight tasks settle.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let failed: { error: unknown } | undefined
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++
      try {
        results[i] = await fn(items[i] as T, i)
      } catch (error) {
        failed ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker))
  if (failed !== undefined) throw failed.error
  return results
}
