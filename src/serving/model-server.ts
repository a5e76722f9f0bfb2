import { StrataError } from '../core/errors.js'
import { type BatchingOptions, type BatchObserver, batchingRuntime, observed } from './dynamic-batcher.js'
import { EnrichmentPlans, type PredictResult, type PredictTarget, predictEntities } from './entity-predict.js'
import { registryRef } from './model-ref.js'
import type { ModelRuntime } from './model-runtime.js'
import type {
  DeployOptions,
  InferRequest,
  InferResult,
  ModelServerOptions,
  RequestContext,
  RoutedEndpoint,
  WarmVersion,
} from './model-server-types.js'
import { newPredictionId, type PayloadLogStats } from './payload-log/index.js'
import { logPredictions } from './prediction-logging.js'
import { routedTarget } from './routed-target.js'
import { loadServedModel, type ServedModel } from './served-model.js'
import { ServingMetrics } from './serving-metrics.js'
import { checkInputs, checkOutputNames } from './signature-check.js'
import type { InferTensor } from './tensor.js'

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
        logPredictions(log, base, { request, predictionIds, outputs, failure, latencyMs: ms })
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
