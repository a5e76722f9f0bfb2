import { isStrataError } from '../../core/errors.js'
import { pollEvery } from '../../core/poll-loop.js'
import type { Strata } from '../../platform/index.js'
import { prunePayloadLogOf } from './payload-pruning.js'

/** Options of {@link startPayloadRetention}. */
export interface PayloadRetentionOptions {
  /** Time between prunes. */
  everyMs: number
  onError?: (err: Error) => void
}

/**
 * `strata server`'s payload-log retention: when the config sets `payloadLog.retainDays`, prunes
 * predictions older than that now and every `everyMs` — exactly what `strata predictions prune`
 * does (archive, then delete; monitor windows held back). Servers sharing a project may prune at
 * the same time: every archive commit is made on the head its prune read, so one archives and
 * the others stop (`CONFLICT`, not reported) and catch up on their next turn. Returns the stop
 * function (which waits for a prune under way), or undefined when no retention is configured.
 */
export function startPayloadRetention(
  strata: Strata,
  options: PayloadRetentionOptions,
): (() => Promise<void>) | undefined {
  const days = strata.config.payloadLog.retainDays
  if (days === undefined) return undefined
  return pollEvery(options.everyMs, () =>
    prunePayloadLogOf(strata, { before: Date.now() - days * 86_400_000 }).then(
      () => undefined,
      (err: unknown) => {
        if (!isStrataError(err, 'CONFLICT')) options.onError?.(err as Error)
      },
    ),
  )
}
