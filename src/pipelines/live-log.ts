import { randomBytes } from 'node:crypto'
import type { BlobStore, StepJob } from '../ports/index.js'

/**
 * Where a step attempt's log lines go while it runs (besides the log returned with its result):
 * `line` never throws nor blocks; `close` resolves once every line given is stored.
 */
export interface StepLogSink {
  line(text: string): void
  close(): Promise<void>
}

/** Makes the sink of one step job (see {@link blobLiveLog}). */
export type LiveLogFactory = (job: StepJob) => StepLogSink

/** The step label of a job in log keys: the step, or `step[i]` for an element of a mapped step. */
export function jobLabel(job: StepJob): string {
  return job.element === undefined ? job.step : `${job.step}[${job.element.index}]`
}

/** The blob prefix of the live chunks of one attempt (`…/<attempt>.live/<writer>/<seq>.log`). */
export function liveLogPrefix(runId: string, step: string, attempt: number): string {
  return `pipelines/logs/${runId}/${step}/${attempt}.live/`
}

/** Options of {@link blobLiveLog}. */
export interface BlobLiveLogOptions {
  /** How long lines wait before they are stored as a chunk (default 250 ms). */
  flushMs?: number
  /** Lines per attempt at most (default 100,000); the rest are dropped with a note. */
  maxLines?: number
}

/**
 * Live step logs in the blob store, so any process that reaches the store (`strata pipelines
 * logs --follow`) reads a running attempt's lines: lines are buffered and stored every
 * `flushMs` as numbered chunks under {@link liveLogPrefix} (one writer id per attempt execution,
 * time-ordered, so a job re-run after its worker died writes beside, not over, the dead one's
 * chunks). A chunk that cannot be stored is dropped from the live view only: the attempt's whole
 * log is still stored with its result.
 */
export function blobLiveLog(blobs: BlobStore, options: BlobLiveLogOptions = {}): LiveLogFactory {
  const flushMs = options.flushMs ?? 250
  const maxLines = options.maxLines ?? 100_000
  return (job) => {
    const writer = `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}`
    const prefix = `${liveLogPrefix(job.runId, jobLabel(job), job.attempt)}${writer}/`
    let buffer: string[] = []
    let seq = 0
    let count = 0
    let timer: NodeJS.Timeout | undefined
    let chain: Promise<void> = Promise.resolve()
    const flush = () => {
      timer = undefined
      if (buffer.length === 0) return
      const lines = buffer
      buffer = []
      const key = `${prefix}${String(seq++).padStart(8, '0')}.log`
      chain = chain.then(() =>
        blobs.put(key, new TextEncoder().encode(`${lines.join('\n')}\n`)).then(
          () => undefined,
          () => undefined,
        ),
      )
    }
    return {
      line: (text) => {
        if (++count > maxLines) {
          if (count === maxLines + 1) buffer.push(`[strata] live log stops after ${maxLines} lines`)
          return
        }
        buffer.push(text)
        if (timer === undefined) {
          timer = setTimeout(flush, flushMs)
          timer.unref()
        }
      },
      close: async () => {
        if (timer !== undefined) clearTimeout(timer)
        flush()
        await chain
      },
    }
  }
}
