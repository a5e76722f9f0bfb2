import type { BlobStore } from '../ports/index.js'
import { liveLogPrefix } from './live-log.js'
import type { StepRun } from './run-store.js'

/** The log of one attempt of a step. */
export interface StepLog {
  step: string
  attempt: number
  lines: string[]
}

/** The blob key of the log of one attempt. */
export function logKey(runId: string, step: string, attempt: number): string {
  return `pipelines/logs/${runId}/${step}/${attempt}.log`
}

/**
 * Stores the log of one attempt (what the step passed to `ctx.log`, or a command's stdout and
 * stderr) in the blob store; an empty log is not stored. The attempt's live chunks (see
 * `blobLiveLog`) are then deleted: the stored log holds their lines.
 */
export async function putStepLog(
  blobs: BlobStore,
  runId: string,
  step: string,
  attempt: number,
  lines: readonly string[],
): Promise<void> {
  if (lines.length === 0) return
  await blobs.put(logKey(runId, step, attempt), new TextEncoder().encode(`${lines.join('\n')}\n`))
  const live: string[] = []
  for await (const b of blobs.list(liveLogPrefix(runId, step, attempt))) live.push(b.key)
  for (const key of live) await blobs.delete(key)
}

/** The stored logs of a run's steps (every attempt, in step order), optionally of one step. */
export async function readStepLogs(blobs: BlobStore, steps: readonly StepRun[]): Promise<StepLog[]> {
  const logs: StepLog[] = []
  for (const s of steps) {
    for (let attempt = 1; attempt <= s.attempt; attempt++) {
      const key = logKey(s.runId, s.step, attempt)
      if ((await blobs.stat(key)) === undefined) continue
      const parts: Uint8Array[] = []
      for await (const chunk of await blobs.get(key)) parts.push(chunk)
      const text = Buffer.concat(parts).toString('utf8')
      logs.push({
        step: s.step,
        attempt,
        lines: text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n'),
      })
    }
  }
  return logs
}
