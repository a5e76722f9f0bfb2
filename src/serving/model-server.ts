import { StrataError } from '../core/errors.js'
import type { FeatureStore } from '../features/index.js'
import type { ModelVersion } from '../registry/index.js'
import { type BatchingOptions, type BatchObserver, batchingRuntime, observed } from './dynamic-batcher.js'
import {
  type EnrichedInputs,
  type EnrichmentPlan,
  enrich,
  entityKeyOf,
  planEnrichment,
  serviceNameOf,
} from './enrichment/index.js'
import type { ModelCache, ReadModelFile } from './model-cache.js'
import type { ModelRuntime } from './model-runtime.js'
import {
  type FeatureViewUse,
  newPredictionId,
  type PayloadLog,
  type PayloadLogStats,
} from './payload-log/index.js'
import { rowValue, tensorRow } from './row-slice.js'
import { loadServedModel, type ServedModel } from './served-model.js'
import { ServingMetrics } from './serving-metrics.js'
import { checkInputs, checkOutputNames } from './signature-check.js'
import type { InferTensor } from './tensor.js'

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
}

/** The answer to an {@link InferRequest}. */
export interface InferResult {
  modelName: string
  modelVersion: string
  id?: string
  /** The id of this prediction in the payload log (returned to callers). */
  predictionId: string
  outputs: InferTensor[]
}

interface Deployment {
  name: string
  ref: string
  options: DeployOptions
  current: Live
}

interface Live {
  served: ServedModel
  /** The served runtime behind batching and metrics. */
  runtime: ModelRuntime
  inFlight: number
  drained?: () => void
  /** The deployment's binding to its feature service, planned on the first `predict`. */
  enrichment?: Promise<EnrichmentPlan> | undefined
}

/** What `predict` logs per row: entity keys, the row with its features, and when it began. */
interface EnrichedRows {
  rows: { entityKey: Record<string, unknown>; inputs: Record<string, unknown> }[]
  featureViews: FeatureViewUse[]
  /** Epoch ms at which the request arrived. */
  at: number
  /** `performance.now()` at which the request arrived. */
  start: number
}

/** The answer to {@link ModelServer.predict}. */
export interface PredictResult {
  modelName: string
  modelVersion: string
  /** The feature view (and on-demand feature) versions the inputs were read from. */
  featureViews: FeatureViewUse[]
  /** One per entity row, in order: its prediction id and each output's value for the row. */
  predictions: { predictionId: string; outputs: Record<string, unknown> }[]
}

/**
 * Parses a model reference: `models:/name@alias`, `models:/name/3`, `name@alias`, `name/3` or
 * `name` (the latest version), into the registry's form (without `models:/`).
 */
export function registryRef(ref: string): string {
  const bare = ref.startsWith('models:/') ? ref.slice('models:/'.length) : ref
  if (bare === '' || bare.startsWith('@') || bare.startsWith('/')) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `model reference "${ref}" is invalid; expected name@alias, name/<version> or name (optionally prefixed models:/)`,
    )
  }
  return bare
}

/**
 * The models a server answers for, each deployed under a name from a registry reference
 * (`flight-delay@champion`). Every request is checked against the served version's signature
 * before it reaches the runtime. Deploying a name again loads and warms the new version first,
 * then switches atomically: requests already running finish on the old version, which is
 * closed once they have; no request ever sees a half-loaded model.
 *
 * @example
 * const server = await strata.serving()
 * await server.deploy('flight-delay@champion')
 * const result = await server.infer('flight-delay', undefined, { inputs })
 */
export class ModelServer {
  private readonly deployments = new Map<string, Deployment>()
  private closed = false
  /** Request, queue, compute and batch-size metrics of every deployment (`GET /metrics`). */
  readonly metrics = new ServingMetrics()

  private readonly now: () => number

  constructor(private readonly options: ModelServerOptions) {
    this.now = options.now ?? Date.now
  }

  /**
   * Loads `ref` and serves it under `as` (default the model's name); replaces (hot-reloads) a
   * deployment of that name. Resolves when the new version answers.
   */
  async deploy(ref: string, options: DeployOptions = {}): Promise<ServedModel> {
    if (this.closed) throw new StrataError('UNAVAILABLE', 'the model server is closed')
    const source = await this.options.source()
    const version = await source.resolve(registryRef(ref))
    const served = await loadServedModel(version, {
      cache: this.options.cache,
      read: (n, v, p) => source.readFile(n, v, p),
      threads: this.options.threads ?? 1,
    })
    const name = options.as ?? version.name
    const label = String(served.version)
    const observer: BatchObserver = {
      call: (rows, seconds) => this.metrics.call(name, label, rows, seconds),
      queued: (seconds) => this.metrics.queued(name, label, seconds),
    }
    const batching = options.batching ?? this.options.batching
    const runtime: ModelRuntime =
      batching === undefined || batching === false
        ? {
            kind: served.runtime.kind,
            infer: (inputs, outputs) => observed(served.runtime, observer, inputs, outputs),
            close: () => served.runtime.close(),
          }
        : batchingRuntime(served.runtime, served.inputs, served.outputs, batching, observer)
    const old = this.deployments.get(name)
    this.deployments.set(name, { name, ref, options, current: { served, runtime, inFlight: 0 } })
    if (old !== undefined) await this.retire(old.current)
    return served
  }

  /** Re-resolves a deployment's reference (an alias that moved) and hot-reloads when it changed. */
  async reload(name: string): Promise<ServedModel> {
    const d = this.deployment(name)
    const source = await this.options.source()
    const version = await source.resolve(registryRef(d.ref))
    if (version.version === d.current.served.version && version.name === d.current.served.name)
      return d.current.served
    return this.deploy(d.ref, { ...d.options, as: name })
  }

  /** Stops serving `name`; requests running on it finish first. */
  async undeploy(name: string): Promise<void> {
    const d = this.deployment(name)
    this.deployments.delete(name)
    await this.retire(d.current)
  }

  /** The names served, with their versions. */
  list(): { name: string; ref: string; version: number; platform: string }[] {
    return [...this.deployments.values()].map((d) => ({
      name: d.name,
      ref: d.ref,
      version: d.current.served.version,
      platform: d.current.served.platform,
    }))
  }

  /**
   * The model served as `name` (and, when given, exactly `version`): `NOT_FOUND` naming what is
   * served otherwise.
   */
  model(name: string, version?: string): ServedModel {
    const served = this.deployment(name).current.served
    if (version !== undefined && version !== String(served.version)) {
      throw new StrataError(
        'NOT_FOUND',
        `model "${name}" version "${version}" is not served; the served version is ${served.version}`,
        { details: { model: name, version, served: served.version } },
      )
    }
    return served
  }

  /** Runs one request on `name` (optionally pinned to `version`), after checking it against the signature. */
  async infer(name: string, version: string | undefined, request: InferRequest): Promise<InferResult> {
    const d = this.deployment(name)
    const live = d.current
    this.model(name, version)
    const result = await this.run(d, live, request, undefined)
    return { ...result, predictionId: result.predictionIds[0] as string }
  }

  /**
   * Predicts for entity rows on `name`, a deployment bound to a feature service (`features` of
   * {@link DeployOptions} or the version's `feature_service` tag): reads each row's online
   * features, assembles the model's inputs by its signature (other inputs come from the row:
   * request-time values), runs the model once for the batch, and logs one prediction per row
   * with its entity key and the feature view versions read. A feature that is missing or stale
   * beyond its ttl fails the request with `FAILED_PRECONDITION` naming the entity and feature.
   *
   * @example
   * const { predictions } = await server.predict('delay', [{ origin: 'ORD', route: 'ORD-LGA', dep_hour: 17 }])
   */
  async predict(
    name: string,
    rows: readonly Readonly<Record<string, unknown>>[],
    options: { requestId?: string } = {},
  ): Promise<PredictResult> {
    const d = this.deployment(name)
    const live = d.current
    const { served } = live
    const features = this.options.features
    if (features === undefined) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `the model server has no feature store to enrich "${name}" from`,
      )
    }
    const store = await features()
    if (live.enrichment === undefined) {
      const planning = planEnrichment(store, served, serviceNameOf(served, d.options.features))
      live.enrichment = planning
      planning.catch(() => {
        if (live.enrichment === planning) live.enrichment = undefined
      })
    }
    const plan = await live.enrichment
    const at = this.now()
    const start = performance.now()
    let enriched: EnrichedInputs
    try {
      enriched = await enrich(store, plan, rows)
    } catch (err) {
      // a request that never reached the model is logged too: monitoring counts it
      for (const row of rows)
        this.options.payloadLog?.append({
          ...this.logBase(d, live, at, options.requestId),
          entityKey: entityKeyOf(plan, row),
          inputs: row,
          outputs: null,
          latencyMs: performance.now() - start,
          status: 'error',
          error: (err as Error).message,
          featureViews: plan.featureViews,
        })
      throw err
    }
    const logged = rows.map((row, r) => ({
      entityKey: entityKeyOf(plan, row),
      inputs: { ...row, ...(enriched.online.rows[r] as Record<string, unknown>) },
    }))
    const result = await this.run(
      d,
      live,
      {
        inputs: enriched.inputs,
        ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
      },
      { rows: logged, featureViews: plan.featureViews, at, start },
    )
    return {
      modelName: name,
      modelVersion: result.modelVersion,
      featureViews: plan.featureViews,
      predictions: rows.map((_, r) => {
        const outputs: Record<string, unknown> = {}
        for (const t of result.outputs) outputs[t.name] = rowValue(t, r)
        return { predictionId: result.predictionIds[r] as string, outputs }
      }),
    }
  }

  /** Runs one checked request on `live` and logs it: one prediction, or one per row of `perRow`. */
  private async run(
    d: Deployment,
    live: Live,
    request: InferRequest,
    perRow: EnrichedRows | undefined,
  ): Promise<Omit<InferResult, 'predictionId'> & { predictionIds: string[] }> {
    const { served } = live
    const name = d.name
    const at = perRow?.at ?? this.now()
    const predictionIds =
      perRow === undefined ? [newPredictionId(at)] : perRow.rows.map(() => newPredictionId(at))
    // an enriched request's latency includes reading its features
    const start = perRow?.start ?? performance.now()
    let outputs: InferTensor[] | undefined
    let failure: unknown
    live.inFlight++
    try {
      const signature = served.model.signature
      if (signature === null) throw new StrataError('INTERNAL', `model "${name}" lost its signature`)
      checkInputs(signature, request.inputs)
      if (request.outputs !== undefined) checkOutputNames(signature, request.outputs)
      outputs = await live.runtime.infer(request.inputs, request.outputs)
      return {
        modelName: name,
        modelVersion: String(served.version),
        ...(request.id === undefined ? {} : { id: request.id }),
        predictionIds,
        outputs,
      }
    } catch (err) {
      failure = err
      throw err
    } finally {
      const ms = performance.now() - start
      this.metrics.request(name, String(served.version), outputs !== undefined, ms / 1000)
      live.inFlight--
      if (live.inFlight === 0) live.drained?.()
      const log = request.log === false ? undefined : this.options.payloadLog
      if (log !== undefined) {
        const base = this.logBase(d, live, at, request.requestId ?? request.id)
        const status = outputs === undefined ? ('error' as const) : ('ok' as const)
        const error =
          outputs === undefined ? String((failure as Error | undefined)?.message ?? failure) : null
        if (perRow === undefined) {
          log.append({
            ...base,
            id: predictionIds[0] as string,
            entityKey: null,
            inputs: request.inputs,
            outputs: outputs ?? null,
            latencyMs: ms,
            status,
            error,
            featureViews: null,
          })
        } else {
          const out = outputs
          for (const [r, row] of perRow.rows.entries())
            log.append({
              ...base,
              id: predictionIds[r] as string,
              entityKey: row.entityKey,
              inputs: row.inputs,
              outputs: out === undefined ? null : out.map((t) => tensorRow(t, r)),
              latencyMs: ms,
              status,
              error,
              featureViews: perRow.featureViews,
            })
        }
      }
    }
  }

  private logBase(d: Deployment, live: Live, at: number, requestId: string | undefined) {
    return {
      id: newPredictionId(at),
      at,
      endpoint: d.name,
      modelName: live.served.name,
      modelVersion: live.served.version,
      deploymentRevision: d.options.revision ?? null,
      requestId: requestId ?? null,
    }
  }

  /** The payload log's counters (`undefined` when predictions are not logged). */
  payloadStats(): PayloadLogStats | undefined {
    return this.options.payloadLog?.stats()
  }

  /** Writes the predictions queued for the payload log now (they are written every second anyway). */
  async flushPayloadLog(): Promise<void> {
    await this.options.payloadLog?.flush()
  }

  /** Stops every deployment. */
  async close(): Promise<void> {
    this.closed = true
    const all = [...this.deployments.values()]
    this.deployments.clear()
    await Promise.all(all.map((d) => this.retire(d.current)))
    await this.options.payloadLog?.close()
  }

  private deployment(name: string): Deployment {
    const d = this.deployments.get(name)
    if (d === undefined) {
      const served = [...this.deployments.keys()]
      throw new StrataError(
        'NOT_FOUND',
        `model "${name}" is not served${served.length > 0 ? ` (served: ${served.join(', ')})` : ' (no model is deployed)'}`,
        { details: { model: name, served } },
      )
    }
    return d
  }

  private async retire(live: Live): Promise<void> {
    if (live.inFlight > 0) await new Promise<void>((resolve) => (live.drained = resolve))
    await live.runtime.close()
  }
}
