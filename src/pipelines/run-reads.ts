import { StrataError } from '../core/errors.js'
import type { BlobStore } from '../ports/index.js'
import type { MapStore } from './map-store.js'
import type { OutputStore } from './output-store.js'
import type { RunStore } from './run-store.js'
import type { JsonValue } from './step.js'
import { readStepLogs, type StepLog } from './step-logs.js'

/** Where a run's outputs and logs are read from. */
export interface RunReadParts {
  store: RunStore
  maps: MapStore
  outputs: OutputStore
  blobs: BlobStore
}

/** The output of one step of a run, or of one element (`step[3]`); `NOT_FOUND` when it has none. */
export async function readOutput(parts: RunReadParts, runId: string, step: string): Promise<JsonValue> {
  const element = /^(.+)\[(\d+)\]$/.exec(step)
  if (element !== null) {
    const [row] = await parts.maps.page(runId, element[1] as string, {
      offset: Number(element[2]),
      limit: 1,
    })
    if (row?.outputHash == null || row.index !== Number(element[2])) {
      throw new StrataError('NOT_FOUND', `element ${step} of run "${runId}" has no output`)
    }
    return parts.outputs.get(row.outputHash)
  }
  const steps = await parts.store.steps(runId)
  const s = steps.find((x) => x.step === step)
  if (s?.outputHash == null) {
    throw new StrataError(
      'NOT_FOUND',
      `step "${step}" of run "${runId}" has no output; steps with outputs are ${
        steps
          .filter((x) => x.outputHash !== null)
          .map((x) => x.step)
          .join(', ') || '(none)'
      }`,
    )
  }
  return parts.outputs.get(s.outputHash)
}

/** The logs of a run's step attempts (`ctx.log` lines, a command's stdout and stderr), optionally of one step. */
export async function readLogs(parts: RunReadParts, runId: string, step?: string): Promise<StepLog[]> {
  const element = step === undefined ? null : /^(.+)\[(\d+)\]$/.exec(step)
  if (element !== null && step !== undefined) {
    const [row] = await parts.maps.page(runId, element[1] as string, {
      offset: Number(element[2]),
      limit: 1,
    })
    if (row === undefined) throw new StrataError('NOT_FOUND', `run "${runId}" has no element ${step}`)
    const base = { runId, step, status: row.status, cacheKey: null, outputHash: null, cached: false }
    return readStepLogs(parts.blobs, [
      { ...base, attempt: row.attempt, startedAt: null, endedAt: null, error: null, outputCommit: null },
    ])
  }
  const steps = await parts.store.steps(runId)
  if (step !== undefined && !steps.some((s) => s.step === step)) {
    throw new StrataError(
      'NOT_FOUND',
      `run "${runId}" has no step "${step}"; its steps are ${steps.map((s) => s.step).join(', ')}`,
    )
  }
  return readStepLogs(parts.blobs, step === undefined ? steps : steps.filter((s) => s.step === step))
}
