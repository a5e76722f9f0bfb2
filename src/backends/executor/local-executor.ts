import { errorMessage, StrataError } from '../../core/errors.js'
import type {
  ExecuteOptions,
  Executor,
  ExecutorCapabilities,
  StepJob,
  StepJobHandler,
  StepJobResult,
} from '../../ports/index.js'

/** Options of {@link LocalExecutor}. */
export interface LocalExecutorConfig {
  /** Runs one step (the pipeline engine's step handler). */
  handler: StepJobHandler
  /** Steps under way at once (default 4). */
  concurrency?: number
}

/**
 * The embedded executor: runs steps in this process, up to `concurrency` at once, needing no
 * service. Jobs beyond the limit wait in order of submission.
 */
export class LocalExecutor implements Executor {
  readonly kind = 'local'
  readonly capabilities: ExecutorCapabilities = { dedupe: false }
  private readonly handler: StepJobHandler
  private readonly concurrency: number
  private running = 0
  private readonly waiting: (() => void)[] = []
  private closed = false

  constructor(config: LocalExecutorConfig) {
    this.handler = config.handler
    this.concurrency = config.concurrency ?? 4
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `executor concurrency must be a positive integer, not ${config.concurrency}`,
      )
    }
  }

  async execute(job: StepJob, options: ExecuteOptions = {}): Promise<StepJobResult> {
    if (this.closed) throw new StrataError('FAILED_PRECONDITION', 'the local executor is closed')
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve))
    this.running++
    try {
      if (options.signal?.aborted === true) return cancelledResult(job)
      return await this.handler(job, options.signal)
    } catch (err) {
      return {
        ok: false,
        log: [],
        error: { code: 'INTERNAL', message: `step handler failed: ${errorMessage(err)}`, retryable: true },
      }
    } finally {
      this.running--
      this.waiting.shift()?.()
    }
  }

  async close(): Promise<void> {
    this.closed = true
  }
}

/** The result of a job cancelled before its handler ran. */
export function cancelledResult(job: StepJob): StepJobResult {
  return {
    ok: false,
    log: [],
    error: {
      code: 'FAILED_PRECONDITION',
      message: `step "${job.step}" (attempt ${job.attempt}) was cancelled`,
      retryable: false,
    },
  }
}
