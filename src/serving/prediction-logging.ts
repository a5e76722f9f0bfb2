import type { InferRequest } from './model-server-types.js'
import type { PayloadLog, PredictionEntry } from './payload-log/index.js'
import { tensorRow } from './row-slice.js'
import type { InferTensor } from './tensor.js'

/** The fields every payload-log entry of one request shares; each entry brings its own id. */
export type LogBase = Pick<
  PredictionEntry,
  'at' | 'endpoint' | 'modelName' | 'modelVersion' | 'deploymentRevision' | 'requestId'
>

/** How one request ended, as the payload log records it. */
export interface RequestOutcome {
  request: InferRequest
  /** One id, or one per entity row. */
  predictionIds: readonly string[]
  /** The outputs, or `undefined` when the request failed with `failure`. */
  outputs: InferTensor[] | undefined
  failure: unknown
  latencyMs: number
}

/**
 * Appends a request to the payload log: one prediction, or one per entity row (each with its
 * entity key, its own inputs, its row of every output and the feature views read) when the
 * request carried `entityRows`.
 */
export function logPredictions(log: PayloadLog, base: LogBase, outcome: RequestOutcome): void {
  const { request, predictionIds, outputs, failure, latencyMs } = outcome
  const status = outputs === undefined ? ('error' as const) : ('ok' as const)
  const error = outputs === undefined ? String((failure as Error | undefined)?.message ?? failure) : null
  const perRow = request.entityRows
  if (perRow === undefined) {
    log.append({
      ...base,
      id: predictionIds[0] as string,
      entityKey: null,
      inputs: request.inputs,
      outputs: outputs ?? null,
      latencyMs,
      status,
      error,
      featureViews: null,
    })
    return
  }
  for (const [r, row] of perRow.rows.entries())
    log.append({
      ...base,
      id: predictionIds[r] as string,
      entityKey: row.entityKey,
      inputs: row.inputs,
      outputs: outputs === undefined ? null : outputs.map((t) => tensorRow(t, r)),
      latencyMs,
      status,
      error,
      featureViews: perRow.featureViews,
    })
}
