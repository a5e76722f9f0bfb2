import { StrataError } from '../core/errors.js'
import type { ModelVersion } from '../registry/index.js'
import { type BatchingOptions, type BatchObserver, batchingRuntime, observed } from './dynamic-batcher.js'
import type { ModelCache, ReadModelFile } from './model-cache.js'
import type { ModelRuntime } from './model-runtime.js'
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
}

/** Options of {@link ModelServer.deploy}. */
export interface DeployOptions {
  /** The name to serve under (default the model's name). */
  as?: string
  /** Dynamic batching for this deployment (`false`: none; default the server's). */
  batching?: BatchingOptions | false
}

/** One inference request in protocol terms. */
export interface InferRequest {
  id?: string
  inputs: InferTensor[]
  /** Outputs to return (default: all of the model's). */
  outputs?: string[]
}

/** The answer to an {@link InferRequest}. */
export interface InferResult {
  modelName: string
  modelVersion: string
  id?: string
  outputs: InferTensor[]
  /** Which deployment revision and role answered, when the name is a routed endpoint. */
  deployment?: { revision: number; role: 'champion' | 'candidate'; fallback: boolean }
}

/** What a request carried besides its tensors (a sticky split reads its key from the headers). */
export interface RequestContext {
  headers?: Record<string, string | string[] | undefined>
}

/**
 * A name whose requests a router answers (progressive delivery: several versions loaded, a
 * traffic policy choosing among them) instead of one deployed version.
 */
export interface RoutedEndpoint {
  /** The version a request pinned to `version` (default: the champion) runs on. */
  model(version?: string): ServedModel
  infer(version: string | undefined, request: InferRequest, context: RequestContext): Promise<InferResult>
  close(): Promise<void>
}

/** One version loaded and warmed for a router, not served under a name of its own. */
export interface WarmVersion {
  readonly served: ServedModel
  /** Runs one request after checking it against the version's signature (metrics under `name`). */
  infer(request: InferRequest): Promise<InferResult>
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
  private closed = false
  /** Request, queue, compute and batch-size metrics of every deployment (`GET /metrics`). */
  readonly metrics = new ServingMetrics()

  constructor(private readonly options: ModelServerOptions) {}

  /**
   * Loads `ref` and serves it under `as` (default the model's name); replaces (hot-reloads) a
   * deployment of that name. Resolves when the new version answers.
   */
  async deploy(ref: string, options: DeployOptions = {}): Promise<ServedModel> {
    const live = await this.load(ref, options.as, options.batching)
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
      infer: (request) => this.run(name, live, request),
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
  ): Promise<Live> {
    if (this.closed) throw new StrataError('UNAVAILABLE', 'the model server is closed')
    const source = await this.options.source()
    const version = await source.resolve(registryRef(ref))
    const served = await loadServedModel(version, {
      cache: this.options.cache,
      read: (n, v, p) => source.readFile(n, v, p),
      threads: this.options.threads ?? 1,
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
    return this.run(name, d.current, request)
  }

  private async run(name: string, live: Live, request: InferRequest): Promise<InferResult> {
    const { served } = live
    const signature = served.model.signature
    if (signature === null) throw new StrataError('INTERNAL', `model "${name}" lost its signature`)
    checkInputs(signature, request.inputs)
    if (request.outputs !== undefined) checkOutputNames(signature, request.outputs)
    live.inFlight++
    const start = performance.now()
    let ok = false
    try {
      const outputs = await live.runtime.infer(request.inputs, request.outputs)
      ok = true
      return {
        modelName: name,
        modelVersion: String(served.version),
        ...(request.id === undefined ? {} : { id: request.id }),
        outputs,
      }
    } finally {
      this.metrics.request(name, String(served.version), ok, (performance.now() - start) / 1000)
      live.inFlight--
      if (live.inFlight === 0) live.drained?.()
    }
  }

  /** Stops every deployment. */
  async close(): Promise<void> {
    this.closed = true
    const all = [...this.deployments.values()]
    const routers = [...this.routed.values()]
    this.deployments.clear()
    this.routed.clear()
    await Promise.all([...all.map((d) => this.retire(d.current)), ...routers.map((r) => r.close())])
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
