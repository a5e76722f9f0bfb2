import { errorMessage, isStrataError, StrataError } from '../core/errors.js'
import type { BlobStore, StepJob, StepJobHandler, StepJobResult } from '../ports/index.js'
import { runCommandStep } from './command-runner.js'
import { fileCacheDir, fileRefs, materializeFiles } from './file-outputs.js'
import type { LiveLogFactory } from './live-log.js'
import { type Pipeline, pipelineRoot, stepOf } from './pipeline.js'
import type { PipelineParams, StepContext } from './step.js'
import type { StepThreads } from './step-thread-pool.js'

/**
 * Thrown by a step to stop its retries: the failure will not go away by trying again (bad
 * data, a wrong param). Recognised by shape (`nonRetryable: true`), not by class.
 *
 * @example
 * if (rows.length === 0) throw new NonRetryableError('the training set is empty')
 */
export class NonRetryableError extends StrataError {
  readonly nonRetryable = true
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('USER_CODE', message, options)
    this.name = 'NonRetryableError'
  }
}

/** Finds the pipelines a worker can run, by name. */
export type PipelineLookup = (name: string) => Promise<Pipeline | undefined>

/** Options of {@link createStepHandler}. */
export interface StepHandlerOptions {
  /**
   * Worker threads for TypeScript steps (a {@link StepThreadPool}). Without it (or for a step with
   * `isolate: false`, or a pipeline not loaded from a module) steps run in this thread.
   */
  threads?: StepThreads
  /**
   * Where each job's log lines go while it runs ({@link blobLiveLog}: the blob store, read by
   * `strata pipelines logs --follow` from any process). The handler closes the sink before it
   * returns, so a result's lines are stored before the engine records the result.
   */
  liveLog?: LiveLogFactory
  /**
   * The blob store of output files ({@link file}): command steps store the files they declare
   * there, and steps reading such files get local copies of them.
   */
  blobs?: BlobStore
}

/**
 * The handler every executor calls to run one step job: finds the step in its pipeline and runs
 * it — a command step as a child process ({@link runCommandStep}), a TypeScript step on a worker
 * thread when `threads` is given, else in this thread — bounded by the step's `timeoutMs` and
 * the job's abort signal, and returns its JSON output. Anything the step throws becomes a
 * `USER_CODE` failure carrying the step, the attempt and the user's stack.
 */
export function createStepHandler(lookup: PipelineLookup, options: StepHandlerOptions = {}): StepJobHandler {
  const handle = runJob(lookup, options)
  if (options.liveLog === undefined) return (job, signal) => handle(job, signal, undefined)
  const liveLog = options.liveLog
  return async (job, signal) => {
    const sink = liveLog(job)
    try {
      return await handle(job, signal, (line) => sink.line(line))
    } finally {
      await sink.close()
    }
  }
}

function runJob(
  lookup: PipelineLookup,
  options: StepHandlerOptions,
): (
  job: StepJob,
  signal: AbortSignal | undefined,
  onLine: ((line: string) => void) | undefined,
) => Promise<StepJobResult> {
  return async (job, signal, onLine) => {
    const log: string[] = []
    const found = await lookup(job.pipeline)
    const s = found === undefined ? undefined : stepOf(found, job.step)
    if (found === undefined || s === undefined) {
      const what =
        found === undefined
          ? `pipeline "${job.pipeline}"`
          : `step "${job.step}" of pipeline "${job.pipeline}"`
      return {
        ok: false,
        log,
        error: {
          code: 'NOT_FOUND',
          message: `this worker does not know ${what}; is it running the same pipelines module as the coordinator?`,
          retryable: false,
        },
      }
    }
    const bounds = { timeoutMs: s.timeoutMs, signal }
    if (s.map !== undefined && job.element === undefined) {
      return {
        ok: false,
        log,
        error: {
          code: 'INVALID_ARGUMENT',
          message: `step "${job.step}" is mapped; its jobs carry an element`,
          retryable: false,
        },
      }
    }
    if (s.command !== undefined)
      return runCommandStep(job, s.command, {
        root: pipelineRoot(found),
        ...bounds,
        onLine,
        blobs: options.blobs,
      })
    // (a job sent on to a step thread arrives with its files already local: `path` set)
    if (Object.values(job.inputs).some((v) => fileRefs(v).some((f) => f.path === undefined))) {
      if (options.blobs === undefined) {
        return {
          ok: false,
          log,
          error: {
            code: 'FAILED_PRECONDITION',
            message: `step "${job.step}" reads output files, but this step handler has no blob store (give createStepHandler its blobs)`,
            retryable: false,
          },
        }
      }
      // a TypeScript step gets each file it reads as a local path (one copy per content)
      const inputs: Record<string, unknown> = {}
      for (const [name, v] of Object.entries(job.inputs))
        inputs[name] = await materializeFiles(options.blobs, v, (_f, ref) => fileCacheDir(ref))
      job = { ...job, inputs }
    }
    if (options.threads !== undefined && s.isolate && found.module !== undefined) {
      return options.threads.run(found.module, job, { ...bounds, onLine })
    }
    const ctx: StepContext = {
      runId: job.runId,
      step: job.step,
      attempt: job.attempt,
      params: job.params as PipelineParams,
      log: (line) => {
        log.push(line)
        onLine?.(line)
      },
      ...(job.element === undefined ? {} : { element: { index: job.element.index, key: job.element.key } }),
    }
    try {
      const value = await bounded(
        Promise.resolve().then(() => s.run(ctx, job.inputs, job.element?.item)),
        job,
        bounds,
      )
      const output = value === undefined ? null : value
      const problem = jsonProblem(output, 'output')
      if (problem !== undefined) {
        return {
          ok: false,
          log,
          error: {
            code: 'USER_CODE',
            message: `step "${job.step}" (attempt ${job.attempt}) returned a value that is not JSON: ${problem}`,
            retryable: false,
          },
        }
      }
      return { ok: true, output, log }
    } catch (err) {
      const nonRetryable = (err as { nonRetryable?: unknown } | null)?.nonRetryable === true
      return {
        ok: false,
        log,
        error: {
          code: 'USER_CODE',
          message: `step "${job.step}" (attempt ${job.attempt}) failed: ${errorMessage(err)}`,
          ...(err instanceof Error && err.stack !== undefined ? { stack: err.stack } : {}),
          retryable: !nonRetryable && !(isStrataError(err) && err.code === 'INVALID_ARGUMENT'),
        },
      }
    }
  }
}

/**
 * A step promise raced against its timeout and the abort signal. A step in this thread cannot be
 * stopped: the attempt fails and the step's work goes on in the background (use a thread or a
 * command step to have it stopped).
 */
function bounded<T>(
  work: Promise<T>,
  job: StepJob,
  o: { timeoutMs: number | undefined; signal: AbortSignal | undefined },
): Promise<T> {
  if (o.timeoutMs === undefined && o.signal === undefined) return work
  return new Promise<T>((resolve, reject) => {
    const what = `step "${job.step}" (attempt ${job.attempt})`
    const timer =
      o.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () => reject(new StrataError('USER_CODE', `${what} timed out after ${o.timeoutMs} ms`)),
            o.timeoutMs,
          )
    const onAbort = () => reject(new NonRetryableError(`${what} was cancelled`))
    if (o.signal?.aborted === true) onAbort()
    o.signal?.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => {
      if (timer !== undefined) clearTimeout(timer)
      o.signal?.removeEventListener('abort', onAbort)
    })
  })
}

/** Why `value` is not plain JSON (a path and what was found), or undefined when it is. */
export function jsonProblem(value: unknown, path: string): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} is ${value}`
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = jsonProblem(value[i], `${path}[${i}]`)
      if (p !== undefined) return p
    }
    return undefined
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) {
      return `${path} is a ${(value as object).constructor?.name ?? 'non-plain object'}; return plain objects, arrays, strings, numbers, booleans or null`
    }
    for (const [k, v] of Object.entries(value)) {
      const p = jsonProblem(v, `${path}.${k}`)
      if (p !== undefined) return p
    }
    return undefined
  }
  return `${path} is a ${typeof value}; return plain objects, arrays, strings, numbers, booleans or null`
}
