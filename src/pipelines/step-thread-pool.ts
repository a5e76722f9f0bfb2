import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import { StrataError } from '../core/errors.js'
import { startModuleThread } from '../core/module-thread.js'
import type { StepJob, StepJobResult } from '../ports/index.js'
import type { StepThreadMessage, StepThreadRequest } from './step-thread-main.js'

/** How one job on a thread is bounded. */
export interface StepThreadRunOptions {
  timeoutMs?: number | undefined
  signal?: AbortSignal | undefined
  /** Called with each `ctx.log` line of the step as the thread writes it. */
  onLine?: ((line: string) => void) | undefined
}

/** Runs step jobs on worker threads that load a pipelines module (see {@link StepThreadPool}). */
export interface StepThreads {
  run(module: string, job: StepJob, options?: StepThreadRunOptions): Promise<StepJobResult>
  close(): Promise<void>
}

/** Options of {@link StepThreadPool}. */
export interface StepThreadPoolOptions {
  /** Threads at most (default: the number of CPUs, at least 2). */
  threads?: number
  /** Heap limit of each thread in MiB (default: Node's). A step over it ends its thread, not the engine. */
  maxHeapMiB?: number
}

interface Slot {
  worker: Worker
  module: string
  ready: Promise<string | undefined>
  busy: boolean
  dead: boolean
  /** The job under way: settles it when the thread dies. */
  settle?: ((result: StepJobResult) => void) | undefined
}

let nextId = 0

/**
 * Worker threads for TypeScript steps, so a step that blocks the event loop, throws from a
 * callback, calls `process.exit` or never returns cannot take the engine down. Each thread
 * loads the pipelines module once (through the user-module loader) and runs one job at a time;
 * threads are reused across jobs and runs. A thread whose step timed out or was cancelled is
 * terminated (this stops even a synchronous infinite loop) and replaced on demand; a thread that
 * died takes only its own job with it (`USER_CODE` with the step, attempt and the error's stack).
 * Idle threads do not keep the process alive.
 *
 * Why threads rather than child processes: a job costs a message (structured clone, well under a
 * millisecond) instead of a process spawn plus module load, memory is shared with the engine's
 * process, and `terminate()` stops a runaway step. What a thread cannot contain — a native crash
 * in an addon — needs a command step (its own process).
 */
export class StepThreadPool implements StepThreads {
  private readonly size: number
  private readonly slots: Slot[] = []
  private readonly waiting: (() => void)[] = []
  private closed = false

  constructor(private readonly options: StepThreadPoolOptions = {}) {
    this.size = options.threads ?? Math.max(2, availableParallelism())
    if (!Number.isInteger(this.size) || this.size < 1) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `step threads must be a positive integer, not ${options.threads}`,
      )
    }
  }

  async run(module: string, job: StepJob, options: StepThreadRunOptions = {}): Promise<StepJobResult> {
    const what = `step "${job.step}" (attempt ${job.attempt})`
    if (options.signal?.aborted === true) return cancelled(what)
    const slot = await this.acquire(module)
    try {
      const loadError = await slot.ready
      if (loadError !== undefined) {
        return {
          ok: false,
          log: [],
          error: {
            code: 'INVALID_ARGUMENT',
            message: `${what}: its thread could not load ${module}: ${loadError}`,
            retryable: false,
          },
        }
      }
      return await this.runOn(slot, job, what, options)
    } finally {
      slot.busy = false
      if (!slot.dead) slot.worker.unref()
      this.waiting.shift()?.()
    }
  }

  private runOn(
    slot: Slot,
    job: StepJob,
    what: string,
    options: StepThreadRunOptions,
  ): Promise<StepJobResult> {
    return new Promise<StepJobResult>((resolvePromise) => {
      const id = ++nextId
      let timer: NodeJS.Timeout | undefined
      const finish = (result: StepJobResult) => {
        if (slot.settle === undefined) return
        slot.settle = undefined
        if (timer !== undefined) clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
        slot.worker.off('message', onMessage)
        resolvePromise(result)
      }
      const stop = (result: StepJobResult) => {
        finish(result)
        this.discard(slot)
      }
      const onMessage = (m: StepThreadMessage) => {
        if ('line' in m) {
          if (m.job === job.id) options.onLine?.(m.line)
        } else if ('id' in m && m.id === id) finish(m.result)
      }
      const onAbort = () => stop(cancelled(what))
      slot.settle = finish
      slot.worker.on('message', onMessage)
      options.signal?.addEventListener('abort', onAbort, { once: true })
      if (options.timeoutMs !== undefined) {
        const ms = options.timeoutMs
        timer = setTimeout(
          () =>
            stop({
              ok: false,
              log: [],
              error: {
                code: 'USER_CODE',
                message: `${what} timed out after ${ms} ms; its thread was terminated`,
                retryable: true,
              },
            }),
          ms,
        )
      }
      slot.worker.postMessage({ id, job } satisfies StepThreadRequest)
    })
  }

  /** An idle ready thread for `module`, a new one, or the first freed. */
  private async acquire(module: string): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new StrataError('FAILED_PRECONDITION', 'the step thread pool is closed')
      const idle = this.slots.find((s) => !s.busy && !s.dead && s.module === module)
      if (idle !== undefined) return this.take(idle)
      if (this.slots.length < this.size) return this.take(this.spawn(module))
      const other = this.slots.find((s) => !s.busy)
      if (other !== undefined) {
        this.discard(other)
        return this.take(this.spawn(module))
      }
      await new Promise<void>((r) => this.waiting.push(r))
    }
  }

  private take(slot: Slot): Slot {
    slot.busy = true
    slot.worker.ref()
    return slot
  }

  private spawn(module: string): Slot {
    const worker = startModuleThread(
      import.meta.url,
      'step-thread-main',
      'serveStepThread',
      { module },
      this.options.maxHeapMiB === undefined ? undefined : { maxOldGenerationSizeMb: this.options.maxHeapMiB },
    )
    const slot: Slot = { worker, module, busy: false, dead: false, ready: Promise.resolve(undefined) }
    slot.ready = new Promise<string | undefined>((resolveReady) => {
      const onFirst = (m: StepThreadMessage) => {
        if ('ready' in m) resolveReady(undefined)
        else if ('loadError' in m) {
          resolveReady(m.loadError)
          this.discard(slot)
        } else return
        worker.off('message', onFirst)
      }
      worker.on('message', onFirst)
      worker.on('error', (err) => {
        resolveReady(err.message)
        slot.settle?.({
          ok: false,
          log: [],
          error: {
            code: 'USER_CODE',
            message: `a step crashed its thread: ${err.message}`,
            ...(err.stack === undefined ? {} : { stack: err.stack }),
            retryable: true,
          },
        })
        this.discard(slot)
      })
      worker.on('exit', (code) => {
        resolveReady(`its thread exited with code ${code} while loading`)
        slot.settle?.({
          ok: false,
          log: [],
          error: {
            code: 'USER_CODE',
            message: `a step ended its thread with exit code ${code} (process.exit in a step ends only its thread)`,
            retryable: true,
          },
        })
        this.discard(slot)
      })
    })
    this.slots.push(slot)
    return slot
  }

  private discard(slot: Slot): void {
    if (slot.dead) return
    slot.dead = true
    const i = this.slots.indexOf(slot)
    if (i >= 0) this.slots.splice(i, 1)
    void slot.worker.terminate().catch(() => {})
    this.waiting.shift()?.()
  }

  /** Terminates every thread; jobs under way fail. */
  async close(): Promise<void> {
    this.closed = true
    const all = [...this.slots]
    for (const s of all) {
      s.settle?.(cancelled('a step'))
      this.discard(s)
    }
    for (const w of this.waiting.splice(0)) w()
  }
}

function cancelled(what: string): StepJobResult {
  return {
    ok: false,
    log: [],
    error: { code: 'FAILED_PRECONDITION', message: `${what} was cancelled`, retryable: false },
  }
}
