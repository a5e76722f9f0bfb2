import type { FeatureStore } from '../features/index.js'
import type { ModelVersion } from '../registry/index.js'
import type { BatchingOptions } from './dynamic-batcher.js'
import type { DeploymentAnswer, EntityRows } from './entity-predict.js'
import type { ModelCache, ReadModelFile } from './model-cache.js'
import type { PayloadLog } from './payload-log/index.js'
import type { ServedModel } from './served-model.js'
import type { InferTensor } from './tensor.js'

// The contracts of the model server: its options, one request and its answer, and the
// endpoints (routers, warm versions) it answers through.

/** Where a model server finds versions and their files (the model registry satisfies it). */
export interface ModelSource {
  resolve(ref: string): Promise<ModelVersion>
  readFile: ReadModelFile
}

/** Options of {@link ModelServer}. */
export interface ModelServerOptions {
  /** The registry to load versions from (a function: it may be opened lazily). */
  source: () => Promise<ModelSource>
  cache: ModelCache
  /** Worker threads per served model (default 1). */
  threads?: number
  /** Dynamic batching of every deployment that does not set its own (default: none). */
  batching?: BatchingOptions
  /** Where every prediction is logged (default: not logged). Closed with the server. */
  payloadLog?: PayloadLog
  /** The time of a logged prediction, epoch ms (default `Date.now`). */
  now?: () => number
  /** The feature store `predict` reads online features from (opened on first use). */
  features?: () => Promise<FeatureStore>
}

/** Options of {@link ModelServer.deploy}. */
export interface DeployOptions {
  /** The name to serve under (default the model's name). */
  as?: string
  /** Dynamic batching for this deployment (`false`: none; default the server's). */
  batching?: BatchingOptions | false
  /** The deployment revision logged with each prediction (set by delivery; default none). */
  revision?: string
  /** The feature service `predict` reads (default the version's `feature_service` tag). */
  features?: string
  /** Worker threads of this deployment (default the server's `threads`). */
  threads?: number
}

/** One inference request in protocol terms. */
export interface InferRequest {
  id?: string
  inputs: InferTensor[]
  /** Outputs to return (default: all of the model's). */
  outputs?: string[]
  /** The transport's request id, logged with the prediction. */
  requestId?: string
  /** Log the prediction in the payload log (default true; batch inference records lineage instead). */
  log?: boolean
  /**
   * The entity rows behind `inputs` (set by {@link ModelServer.predict}): each row is logged as
   * its own prediction, with its entity key and features, and gets its own prediction id.
   */
  entityRows?: EntityRows
  /** The prediction ids to log under (one, or one per entity row; default new ones): graph nodes. */
  predictionIds?: readonly string[]
}

/** The answer to an {@link InferRequest}. */
export interface InferResult {
  modelName: string
  modelVersion: string
  id?: string
  /** The id of this prediction in the payload log (returned to callers). */
  predictionId: string
  outputs: InferTensor[]
  /** One prediction id per entity row, when the request carried `entityRows`. */
  predictionIds?: string[]
  /** Which deployment revision and role answered, when the name is a routed endpoint. */
  deployment?: DeploymentAnswer
}

/** What a request carried besides its tensors (a sticky split reads its key from the headers). */
export interface RequestContext {
  headers?: Record<string, string | string[] | undefined>
  /**
   * Named request values that are not tensors (the first entity row of a `predict`): a split
   * sticky on an input reads its key here when no input tensor has that name.
   */
  values?: Readonly<Record<string, unknown>> | undefined
}

/**
 * A name whose requests a router answers (progressive delivery: several versions loaded, a
 * traffic policy choosing among them) instead of one deployed version.
 */
export interface RoutedEndpoint {
  /** The version a request pinned to `version` (default: the champion) runs on. */
  model(version?: string): ServedModel
  /** Every version loaded for the revision in force (`predict` checks they read the same features). */
  versions(): ServedModel[]
  /** The revision in force (logged with predictions that fail before reaching a version). */
  readonly revision: number | undefined
  infer(version: string | undefined, request: InferRequest, context: RequestContext): Promise<InferResult>
  close(): Promise<void>
}

/** One version loaded and warmed for a router, not served under a name of its own. */
export interface WarmVersion {
  readonly served: ServedModel
  /**
   * Runs one request after checking it against the version's signature (metrics under `name`),
   * logged to the payload log with `revision` as its deployment revision.
   */
  infer(request: InferRequest, revision?: string): Promise<InferResult>
  /** Stops it once the requests running on it have finished. */
  close(): Promise<void>
}
