import { StrataError } from '../core/errors.js'
import type { Executor, StepJobHandler } from '../ports/index.js'

/**
 * Opens the pipeline executor a config names: `local` runs steps in this process with
 * `handler`; `bullmq+redis://…` queues them for `strata worker` processes. The BullMQ driver is
 * loaded only when its scheme is used.
 */
export async function openExecutor(uri: string, handler: StepJobHandler): Promise<Executor> {
  if (uri === 'local' || uri === 'local:') {
    const { LocalExecutor } = await import('../backends/executor/index.js')
    return new LocalExecutor({ handler })
  }
  if (uri.startsWith('bullmq+')) {
    const { BullMqExecutor, parseBullMqUri } = await import('../backends/executor/bullmq-executor.js')
    return new BullMqExecutor(parseBullMqUri(uri))
  }
  throw new StrataError(
    'INVALID_ARGUMENT',
    `executor "${uri}" is not supported; use "local" or "bullmq+redis://host:port/db?queue=strata-steps"`,
  )
}

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  /** Steps run at once (default 1). */
  concurrency?: number
  /** Queue to pull from (default: the executor URI's `queue`, else `strata-steps`). */
  queue?: string
  /** Seconds a killed worker's step stays locked before another worker takes it (default 30). */
  lockSeconds?: number
}

/** A running `strata worker`. */
export interface RunningWorker {
  readonly queue: string
  close(): Promise<void>
}

/**
 * Starts a worker pulling steps from the BullMQ queue of `uri` and running them with `handler`.
 * `FAILED_PRECONDITION` when the executor is `local` (its steps run in the coordinator).
 */
export async function startExecutorWorker(
  uri: string,
  handler: StepJobHandler,
  options: StartWorkerOptions = {},
): Promise<RunningWorker> {
  if (!uri.startsWith('bullmq+')) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `the executor is "${uri}", whose steps run in the process that drives the run; set executor: 'bullmq+redis://…' in strata.config.ts (or STRATA_EXECUTOR_URL) to run workers`,
    )
  }
  const { parseBullMqUri, startBullMqWorker } = await import('../backends/executor/bullmq-executor.js')
  const location = parseBullMqUri(uri)
  const queue = options.queue ?? location.queue
  const worker = await startBullMqWorker({
    ...location,
    queue,
    handler,
    concurrency: options.concurrency ?? 1,
    ...(options.lockSeconds === undefined ? {} : { lockDurationMs: options.lockSeconds * 1000 }),
  })
  return { queue, close: () => worker.close() }
}
