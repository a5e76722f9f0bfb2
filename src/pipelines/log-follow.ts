import { isStrataError } from '../core/errors.js'
import type { BlobStore } from '../ports/index.js'
import { sleep } from './sleep.js'

/** One log line of a step attempt, as `strata pipelines logs --follow` prints it. */
export interface FollowedLogLine {
  /** The step, or `step[i]` for an element of a mapped step. */
  step: string
  attempt: number
  line: string
}

/** Options of {@link followStepLogs}. */
export interface FollowLogsOptions {
  /** Only this step (and its elements, `step[i]`). */
  step?: string
  /** Time between two looks at the store (default 500 ms). */
  pollMs?: number
  /** Stops following (the iteration ends). */
  signal?: AbortSignal
}

interface AttemptState {
  /** Lines yielded. */
  printed: number
  /** Chunks read, per writer. */
  chunks: Map<string, number>
}

const text = async (blobs: BlobStore, key: string): Promise<string[] | undefined> => {
  try {
    const parts: Uint8Array[] = []
    for await (const chunk of await blobs.get(key)) parts.push(chunk)
    const t = Buffer.concat(parts).toString('utf8')
    return (t.endsWith('\n') ? t.slice(0, -1) : t).split('\n')
  } catch (err) {
    // Deleted since it was listed (its attempt's log was stored): the next look reads that.
    if (isStrataError(err) && err.code === 'NOT_FOUND') return undefined
    throw err
  }
}

/**
 * Yields the log lines of a run's step attempts as they are stored, until `ended()` says the
 * run ended and everything stored by then was yielded. Reads the live chunks a running attempt
 * writes (`blobLiveLog`, any process) and, for an attempt without live chunks (or whose chunks
 * were replaced by its stored log), the stored log from the first line not yet yielded; so a
 * line is yielded once.
 */
export async function* followStepLogs(
  blobs: BlobStore,
  runId: string,
  ended: () => Promise<boolean>,
  options: FollowLogsOptions = {},
): AsyncGenerator<FollowedLogLine> {
  const root = `pipelines/logs/${runId}/`
  const states = new Map<string, AttemptState>()
  const wanted = (step: string) =>
    options.step === undefined || step === options.step || step.startsWith(`${options.step}[`)
  for (;;) {
    const last = await ended()
    // step/attempt → its stored log key (if any) and its live chunks by writer, in key order
    const seen = new Map<
      string,
      { step: string; attempt: number; stored?: string; live: Map<string, string[]> }
    >()
    const prefix = options.step === undefined ? root : `${root}${options.step}`
    for await (const b of blobs.list(prefix)) {
      const m = /^([^/]+)\/(\d+)(?:\.log|\.live\/([^/]+)\/\d+\.log)$/.exec(b.key.slice(root.length))
      if (m === null || !wanted(m[1] as string)) continue
      const id = `${m[1]}/${m[2]}`
      let entry = seen.get(id)
      if (entry === undefined) {
        entry = { step: m[1] as string, attempt: Number(m[2]), live: new Map() }
        seen.set(id, entry)
      }
      if (m[3] === undefined) entry.stored = b.key
      else entry.live.set(m[3], [...(entry.live.get(m[3]) ?? []), b.key])
    }
    for (const [id, entry] of seen) {
      let state = states.get(id)
      if (state === undefined) {
        state = { printed: 0, chunks: new Map() }
        states.set(id, state)
      }
      const emit = (line: string): FollowedLogLine => ({ step: entry.step, attempt: entry.attempt, line })
      if (entry.live.size > 0) {
        for (const [writer, keys] of [...entry.live].sort(([a], [b]) => (a < b ? -1 : 1))) {
          let read = state.chunks.get(writer) ?? 0
          // chunks are numbered from 0 and read in order; a gap waits for the next look
          for (const key of keys) {
            if (!key.endsWith(`/${String(read).padStart(8, '0')}.log`)) break
            const lines = await text(blobs, key)
            if (lines === undefined) break
            read++
            state.chunks.set(writer, read)
            for (const line of lines) {
              state.printed++
              yield emit(line)
            }
          }
        }
      } else if (entry.stored !== undefined) {
        const lines = (await text(blobs, entry.stored)) ?? []
        for (const line of lines.slice(state.printed)) {
          state.printed++
          yield emit(line)
        }
      }
    }
    if (last || options.signal?.aborted === true) return
    await sleep(options.pollMs ?? 500, options.signal ?? new AbortController().signal)
  }
}
