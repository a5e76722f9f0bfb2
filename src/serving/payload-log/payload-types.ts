/** The outcome of a logged prediction. */
export type PredictionStatus = 'ok' | 'error'

/** A feature view version a prediction's inputs were read from (feature enrichment). */
export interface FeatureViewUse {
  name: string
  version: number
}

/**
 * One prediction as it is handed to the payload log, on the request path: cheap to build
 * (tensors are kept as they are and encoded as JSON when the batch is written).
 */
export interface PredictionEntry {
  /** The prediction id returned to the caller ({@link newPredictionId}). */
  id: string
  /** Epoch milliseconds at which the request arrived. */
  at: number
  /** The name the model is served under (the deployment or OIP model name). */
  endpoint: string
  modelName: string
  modelVersion: number
  /** The deployment revision that answered (filled by delivery; `null` when not deployed by it). */
  deploymentRevision: string | null
  /** The HTTP request id (or the caller's request id), when there is one. */
  requestId: string | null
  /** The entity key of an enriched prediction (`{"origin":"ORD"}`), for joining delayed labels. */
  entityKey: Record<string, unknown> | null
  /** The model inputs: protocol tensors or named values. */
  inputs: LoggedValues
  /** The model outputs (`null` when the prediction failed). */
  outputs: LoggedValues | null
  latencyMs: number
  status: PredictionStatus
  error: string | null
  /** Feature view versions the inputs were read from (`null` when not enriched). */
  featureViews: FeatureViewUse[] | null
}

/** Tensors in protocol form (`{ name, datatype, shape, values }`) or values by name. */
export type LoggedValues =
  | readonly { name: string; datatype: string; shape: readonly number[]; values: unknown }[]
  | Readonly<Record<string, unknown>>

/** A logged tensor as stored: JSON-safe. */
export interface StoredTensor {
  datatype: string
  shape: number[]
  data: unknown[]
}

/** One prediction as stored and queried. */
export interface PredictionRecord {
  id: string
  at: number
  endpoint: string
  modelName: string
  modelVersion: number
  deploymentRevision: string | null
  requestId: string | null
  entityKey: Record<string, unknown> | null
  /** Inputs by name: a {@link StoredTensor} for protocol tensors, else the value given. */
  inputs: Record<string, unknown>
  outputs: Record<string, unknown> | null
  latencyMs: number
  status: PredictionStatus
  error: string | null
  featureViews: FeatureViewUse[] | null
  /** The write batch the record landed in: lineage node `prediction-batch:<batch>`. */
  batch: string
}

/** Which predictions {@link PayloadStore.query} returns (every field narrows). */
export interface PredictionQuery {
  /** From this time (epoch ms or Date), inclusive. */
  from?: number | Date
  /** Until this time (epoch ms or Date), exclusive. */
  to?: number | Date
  endpoint?: string
  modelName?: string
  modelVersion?: number
  deploymentRevision?: string
  status?: PredictionStatus
  /** Predictions for exactly this entity key (compared as canonical JSON). */
  entityKey?: Record<string, unknown>
  /** Most records per page (default 1000, at most 10,000). */
  limit?: number
  /** The `nextPageToken` of the previous page. */
  pageToken?: string
}

/** A page of {@link PredictionRecord}s in time order (then id). */
export interface PredictionPage {
  records: PredictionRecord[]
  /** Pass as `pageToken` for the next page; absent on the last page. */
  nextPageToken?: string
}
