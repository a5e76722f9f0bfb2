import { StrataError } from '../core/errors.js'
import type { FeatureStore } from '../features/index.js'
import type { ModelVersion } from '../registry/index.js'
import { type BatchingOptions, type BatchObserver, batchingRuntime, observed } from './dynamic-batcher.js'
import {
  type DeploymentAnswer,
  EnrichmentPlans,
  type EntityRows,
  type PredictResult,
  type PredictTarget,
  predictEntities,
} from './entity-predict.js'
import type { ModelCache, ReadModelFile } from './model-cache.js'
import type { ModelRuntime } from './model-runtime.js'
import { newPredictionId, type PayloadLog, type PayloadLogStats } from './payload-log/index.js'
import { tensorRow } from './row-slice.js'
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
  private readonly routed = new Map<string, RoutedEndpoint>()
  /** Each loaded version's binding to its feature service, planned on its first `predict`. */
  private readonly plans = new EnrichmentPlans()
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
    const live = await this.load(ref, options.as, options.batching, options.threads)
    const name = options.as ?? live.served.name
    const old = this.deployments.get(name)
    this.deployments.set(name, { name, ref, options, current: live })
    if (old !== undefined) await this.retire(old.current)
    return live.served
  }

  /**
   * Loads and warms `ref` for a router serving it as `name` (metrics labelled with `name` and
   * the version): it answers only through the returned handle.
   */
  async warm(ref: string, name: string): Promise<WarmVersion> {
    const live = await this.load(ref, name, undefined)
    return {
      served: live.served,
      infer: async (request, revision) => {
        const d: Deployment = {
          name,
          ref,
          options: revision === undefined ? {} : { revision },
          current: live,
        }
        return this.run(d, live, request)
      },
      close: () => this.retire(live),
    }
  }

  /**
   * Answers `name` through `endpoint` from now on (a plain deployment of that name is retired
   * once its running requests finish). Returns the router it replaced, for the caller to close.
   */
  async route(name: string, endpoint: RoutedEndpoint): Promise<RoutedEndpoint | undefined> {
    if (this.closed) throw new StrataError('UNAVAILABLE', 'the model server is closed')
    const before = this.routed.get(name)
    this.routed.set(name, endpoint)
    const plain = this.deployments.get(name)
    if (plain !== undefined) {
      this.deployments.delete(name)
      await this.retire(plain.current)
    }
    return before
  }

  /** Stops routing `name` (the caller closes the router). */
  unroute(name: string): RoutedEndpoint | undefined {
    const r = this.routed.get(name)
    this.routed.delete(name)
    return r
  }

  private async load(
    ref: string,
    as: string | undefined,
    batchingOption: BatchingOptions | false | undefined,
    threads?: number,
  ): Promise<Live> {
    if (this.closed) throw new StrataError('UNAVAILABLE', 'the model server is closed')
    const source = await this.options.source()
    const version = await source.resolve(registryRef(ref))
    const served = await loadServedModel(version, {
      cache: this.options.cache,
      read: (n, v, p) => source.readFile(n, v, p),
      threads: threads ?? this.options.threads ?? 1,
    })
    const name = as ?? version.name
    const label = String(served.version)
    const observer: BatchObserver = {
      call: (rows, seconds) => this.metrics.call(name, label, rows, seconds),
      queued: (seconds) => this.metrics.queued(name, label, seconds),
    }
    const batching = batchingOption ?? this.options.batching
    const runtime: ModelRuntime =
      batching === undefined || batching === false
        ? {
            kind: served.runtime.kind,
            infer: (inputs, outputs) => observed(served.runtime, observer, inputs, outputs),
            close: () => served.runtime.close(),
          }
        : batchingRuntime(served.runtime, served.inputs, served.outputs, batching, observer)
    return { served, runtime, inFlight: 0 }
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
    const plain = [...this.deployments.values()].map((d) => ({
      name: d.name,
      ref: d.ref,
      version: d.current.served.version,
      platform: d.current.served.platform,
    }))
    const routed = [...this.routed.entries()].map(([name, r]) => {
      const served = r.model()
      return { name, ref: `deployment:${name}`, version: served.version, platform: served.platform }
    })
    return [...plain, ...routed].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  /**
   * The model served as `name` (and, when given, exactly `version`): `NOT_FOUND` naming what is
   * served otherwise.
   */
  model(name: string, version?: string): ServedModel {
    const routed = this.routed.get(name)
    if (routed !== undefined) return routed.model(version)
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

  /**
   * Runs one request on `name` (optionally pinned to `version`), after checking it against the
   * signature; a routed endpoint picks the version by its policy (the context's headers may hold
   * its sticky key).
   */
  async infer(
    name: string,
    version: string | undefined,
    request: InferRequest,
    context: RequestContext = {},
  ): Promise<InferResult> {
    const routed = this.routed.get(name)
    if (routed !== undefined) return routed.infer(version, request, context)
    const d = this.deployment(name)
    this.model(name, version)
    return this.run(d, d.current, request)
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
    options: { requestId?: string; headers?: RequestContext['headers'] } = {},
  ): Promise<PredictResult> {
    const features = this.options.features
    const routed = this.routed.get(name)
    const target =
      routed === undefined ? this.plainTarget(this.deployment(name)) : routedTarget(name, routed, options)
    if (features === undefined) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `the model server has no feature store to enrich "${name}" from`,
      )
    }
    return predictEntities(rows, {
      name,
      target,
      store: await features(),
      plans: this.plans,
      payloadLog: this.options.payloadLog,
      now: this.now,
      requestId: options.requestId,
    })
  }

  /** A plain deployment as the target of `predict`: its version in force when the request came. */
  private plainTarget(d: Deployment): PredictTarget {
    const live = d.current
    return {
      versions: [{ served: live.served, features: d.options.features }],
      failed: (at, requestId) => ({ id: newPredictionId(at), ...this.logBase(d, live, at, requestId) }),
      run: (request) => this.run(d, live, request),
    }
  }

  /**
   * Runs one checked request on `live` and logs it: one prediction, or one per entity row when
   * the request carries `entityRows`.
   */
  private async run(d: Deployment, live: Live, request: InferRequest): Promise<InferResult> {
    const { served } = live
    const name = d.name
    const perRow = request.entityRows
    const at = perRow?.at ?? this.now()
    const predictionIds =
      request.predictionIds?.slice() ??
      (perRow === undefined ? [newPredictionId(at)] : perRow.rows.map(() => newPredictionId(at)))
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
      const batch = request.inputs[0]?.shape[0]
      if (perRow !== undefined && batch !== perRow.rows.length) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `the request carries ${perRow.rows.length} entity rows but its inputs hold ${batch ?? 0} rows; expected one input row per entity row`,
        )
      }
      outputs = await live.runtime.infer(request.inputs, request.outputs)
      return {
        modelName: name,
        modelVersion: String(served.version),
        ...(request.id === undefined ? {} : { id: request.id }),
        predictionId: predictionIds[0] as string,
        ...(perRow === undefined ? {} : { predictionIds }),
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

  /** The fields every payload-log entry of `live` shares; each entry brings its own id. */
  private logBase(d: Deployment, live: Live, at: number, requestId: string | undefined) {
    return {
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
    const routers = [...this.routed.values()]
    this.deployments.clear()
    this.routed.clear()
    await Promise.all([...all.map((d) => this.retire(d.current)), ...routers.map((r) => r.close())])
    await this.options.payloadLog?.close()
  }

  private deployment(name: string): Deployment {
    const d = this.deployments.get(name)
    if (d === undefined) {
      const served = [...this.deployments.keys(), ...this.routed.keys()]
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

/**
 * A routed endpoint as the target of `predict`: the router picks the version by its policy
 * (the request's headers, or the first entity row's value of a sticky input, hold the sticky
 * key), and every version it may pick must read the same features.
 */
function routedTarget(
  name: string,
  endpoint: RoutedEndpoint,
  options: { headers?: RequestContext['headers'] },
): PredictTarget {
  const champion = endpoint.model()
  const revision = endpoint.revision
  return {
    versions: endpoint.versions().map((served) => ({ served })),
    failed: (at, requestId) => ({
      id: newPredictionId(at),
      at,
      endpoint: name,
      modelName: champion.name,
      modelVersion: champion.version,
      deploymentRevision: revision === undefined ? null : String(revision),
      requestId: requestId ?? null,
    }),
    run: (request) =>
      endpoint.infer(undefined, request, {
        ...(options.headers === undefined ? {} : { headers: options.headers }),
        values: request.entityRows.rows[0]?.inputs,
      }),
  }
}
