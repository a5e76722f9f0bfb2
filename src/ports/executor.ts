/**
 * One step to run: everything a process needs to run it, with no access to the coordinator.
 * Inputs are passed as JSON values (the outputs of the steps it reads and resolved dataset
 * commits); large data travels by reference (a dataset commit id), never inline.
 */
export interface StepJob {
  /** Unique per attempt: `<runId>/<step>/<attempt>`. Submitting the same id twice runs it once. */
  id: string
  runId: string
  pipeline: string
  step: string
  /** 1 for the first attempt. */
  attempt: number
  params: Record<string, unknown>
  inputs: Record<string, unknown>
  /**
   * Set for one element of a mapped step (fan-out): its position, its key (the index or the
   * datum's path) and its item. The job id is then `<runId>/<step>[<index>]/<attempt>`.
   */
  element?: { index: number; key: string; item: unknown }
}

/** The failure of a step attempt, as data (it crosses process and queue boundaries). */
export interface StepJobError {
  /** A Strata error code (`USER_CODE` for anything the step threw, `UNAVAILABLE` for a lost worker). */
  code: string
  message: string
  /** The user's stack, when the step threw. */
  stack?: string
  /** False when the step threw a `NonRetryableError` (or the step is unknown): no further attempt helps. */
  retryable: boolean
}

/** What running a {@link StepJob} gave. */
export type StepJobResult =
  | { ok: true; output: unknown; log: string[] }
  | { ok: false; error: StepJobError; log: string[] }

/**
 * Runs one step job where it lands; never throws (a failure is a result). `signal` aborts when
 * the job is cancelled: the handler stops the step (its thread, its process group) and returns a
 * failure.
 */
export type StepJobHandler = (job: StepJob, signal?: AbortSignal) => Promise<StepJobResult>

/**
 * Where pipeline steps run: in this process (`local`) or on workers pulling from a queue
 * (`bullmq+redis://…`). The engine keeps the DAG; an executor only runs single steps.
 * Contract (checked by `describeExecutor`):
 * - `execute` resolves with the handler's result, ok or not; it rejects only when the executor
 *   itself cannot take jobs (closed: `FAILED_PRECONDITION`; its service unreachable: `UNAVAILABLE`).
 * - a handler that throws (a bug, not a step failure) gives `{ ok: false, code: 'INTERNAL' }`.
 * - jobs run concurrently up to the executor's concurrency; results go to the job that asked.
 * - executing a job id that already ran returns the recorded result without running it again
 *   (when the executor keeps results: `capabilities.dedupe`).
 * - `close` waits for no job; jobs under way on other machines go on.
 */
export interface Executor {
  readonly kind: string
  readonly capabilities: ExecutorCapabilities
  /**
   * Runs a job where the executor runs jobs. Aborting `signal` cancels it: a job not started yet
   * is not started, a job under way gets its handler's signal aborted (on whichever machine it
   * runs); either way the result is a failure.
   */
  execute(job: StepJob, options?: ExecuteOptions): Promise<StepJobResult>
  close(): Promise<void>
}

/** Options of {@link Executor.execute}. */
export interface ExecuteOptions {
  /** Cancels the job. */
  signal?: AbortSignal
}

/** Optional abilities the conformance suite branches on. */
export interface ExecutorCapabilities {
  /** Results are kept by job id, so a re-submitted id is not run twice. */
  dedupe: boolean
}
