import type { BlobStore } from '../../ports/index.js'

/** Keys per background `sync`: big enough to share directory fsyncs, small enough to start early. */
const DEFAULT_BATCH = 256

/**
 * Collects blob keys written with `{ durable: false }` and makes them durable through the
 * store's `sync`: a batch is started in the background whenever `batch` keys are waiting, so
 * the disk flushes while the caller keeps hashing; {@link flush} waits for those and syncs the
 * rest. A failed background batch is reported by the next `flush` (its keys are retried).
 */
export class SyncBatcher {
  private readonly waiting = new Set<string>()
  private readonly running = new Set<Promise<void>>()
  private failed: { error: unknown; keys: string[] } | undefined

  constructor(
    private readonly blobs: BlobStore,
    private readonly batch = DEFAULT_BATCH,
  ) {}

  /** Queues `key`; starts a background sync when a batch is full. */
  add(key: string): void {
    this.waiting.add(key)
    if (this.waiting.size >= this.batch) this.start()
  }

  /** Resolves once every key added so far is durable; rejects with the first sync error. */
  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running])
    const failed = this.failed
    this.failed = undefined
    if (failed !== undefined) for (const key of failed.keys) this.waiting.add(key)
    const keys = [...this.waiting]
    if (keys.length > 0) await this.blobs.sync?.(keys)
    for (const key of keys) this.waiting.delete(key)
  }

  private start(): void {
    const keys = [...this.waiting]
    this.waiting.clear()
    const p = Promise.resolve(this.blobs.sync?.(keys))
      .catch((error: unknown) => {
        // Retried (and reported if it fails again) by flush.
        if (this.failed === undefined) this.failed = { error, keys }
        else this.failed.keys.push(...keys)
      })
      .finally(() => this.running.delete(p))
    this.running.add(p)
  }
}
