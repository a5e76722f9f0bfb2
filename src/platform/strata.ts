import { join } from 'node:path'
import { parseBackendUri, uriLocalPath } from '../core/backend-uri.js'
import { type Clock, systemClock } from '../core/clock.js'
import type { BackendSetting, StrataConfig } from '../core/config.js'
import { resolveConfig } from '../core/config.js'
import type { Principal } from '../core/principal.js'
import { createTracing, type Tracing } from '../core/tracing.js'
import { LineageGraphStore } from '../data/lineage/index.js'
import { runMigrations } from '../db/index.js'
import type {
  DeliveryController,
  DeliveryControllerOptions,
  GraphEndpoint,
  GraphSpec,
  ModelServer,
  PayloadSink,
  Predictor,
  PredictorOptions,
} from '../serving/index.js'
import { type BackendTypes, openBackend } from './backend-registry.js'
import { defaultPrincipal } from './default-principal.js'
import { loadConfig } from './load-config.js'
import { ALL_MIGRATIONS } from './migrations.js'
import { PayloadWriterThread } from './payload-writer.js'
import { createServiceContext } from './service-context.js'
import { type SharedParts, type StrataServices, scope } from './strata-services.js'

/** Options for {@link openStrata}. */
export interface OpenStrataOptions {
  /** Directory to find the project from (default `process.cwd()`). */
  cwd?: string
  /** Use this config instead of loading `strata.config.*` (the root is then `cwd`). */
  config?: StrataConfig
  /**
   * Environment for `STRATA_*_URL` overrides, the default principal (`STRATA_USER`, see
   * {@link defaultPrincipal}) and debug timing (`STRATA_DEBUG`); default `process.env`.
   */
  env?: Record<string, string | undefined>
  /** Who acts by default (default: {@link defaultPrincipal} of `env`). */
  principal?: Principal
  /** The time source of every service (default the wall clock). */
  clock?: Clock
  /** Debug timing (default: the areas listed in `STRATA_DEBUG`, written to stderr). */
  tracing?: Tracing
}

/**
 * The composition root: a project's resolved config and its backends, each opened lazily on
 * first use (so a command only needs the drivers it touches) and closed by {@link Strata.close}.
 * The only place that builds domain services.
 */
export interface Strata extends StrataServices, AsyncDisposable {
  /** Opens a backend without side effects (no migrations): used by `strata doctor`. */
  openRaw<S extends BackendSetting>(setting: S): Promise<BackendTypes[S]>
  /**
   * The project's model server (one per project, closed with it): deploys registry versions
   * (`flight-delay@champion`) into worker-thread runtimes, with the local model cache under
   * `.strata/model-cache`. Models load from the registry as the default principal.
   */
  serving(): Promise<ModelServer>
  /**
   * This process's delivery controller (one per project, closed with it): puts every
   * deployment's current revision in force on {@link Strata.serving}'s model server and runs
   * the rollout engine. Not ticking until `start()` (`strata server` starts it); the first
   * call's options apply.
   */
  deliveryController(options?: DeliveryControllerOptions): Promise<DeliveryController>
  /**
   * A model answering entity rows in-process, with features read from the online store (the
   * version's `feature_service` tag or `options.features`): deploys `ref` into {@link serving}
   * unless it is served already. Every prediction is logged with its id.
   *
   * @example
   * const p = await strata.predictor('flight-delay@champion')
   * const { outputs, predictionId } = await p.predict({ origin: 'ORD', route: 'ORD-LGA', dep_hour: 17 })
   */
  predictor<O = Record<string, unknown>>(ref: string, options?: PredictorOptions): Promise<Predictor<O>>
  /**
   * Serves an inference graph (sequence, ensemble or switch of registry models) on
   * {@link serving} under its name, after checking it against the registry; serving it again
   * replaces it once its running requests finish.
   *
   * @example
   * await strata.serveGraph(inferenceGraph({ name: 'delay-avg', kind: 'ensemble', combine: 'average',
   *   members: [{ name: 'v1', model: 'delay/1' }, { name: 'v2', model: 'delay/2' }] }))
   */
  serveGraph(graph: GraphSpec): Promise<GraphEndpoint>
  close(): Promise<void>
}

/**
 * Opens a Strata project.
 *
 * @example
 * await using strata = await openStrata()
 * const tracking = await strata.tracking()
 */
export async function openStrata(options: OpenStrataOptions = {}): Promise<Strata> {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  const config =
    options.config === undefined
      ? await loadConfig({ cwd, env })
      : resolveConfig(options.config, { root: cwd, env })
  const clock = options.clock ?? systemClock
  const tracing =
    options.tracing ?? createTracing({ areas: env.STRATA_DEBUG, write: (line) => process.stderr.write(line) })
  const opened: { close(): Promise<void> }[] = []
  const closeFirst = new Set<{ close(): Promise<void> }>()
  const cache = new Map<string, Promise<unknown>>()
  const once = <T>(key: string, open: () => Promise<T>, closes = true): Promise<T> => {
    let p = cache.get(key) as Promise<T> | undefined
    if (p === undefined) {
      p = open().then((value) => {
        if (closes) opened.push(value as { close(): Promise<void> })
        return value
      })
      // A failed open can be retried (the server may come back).
      p.catch(() => cache.delete(key))
      cache.set(key, p)
    }
    return p
  }
  const backend = <S extends BackendSetting>(setting: S) =>
    once(setting, () => openBackend(setting, config[setting], config.root))

  const metadata = () =>
    once('metadata:migrated', async () => {
      const md = await openBackend('metadata', config.metadata, config.root)
      try {
        await runMigrations(md, ALL_MIGRATIONS)
      } catch (err) {
        await md.close()
        throw err
      }
      return md
    })
  // The context and the services on it hold no resources of their own: cached, never closed.
  const lineage = () => once('lineage', async () => new LineageGraphStore(await metadata(), clock), false)
  const base = options.principal ?? defaultPrincipal(env)
  let generation = 0
  const shared: SharedParts = {
    config,
    generation: () => generation,
    metadata,
    blobs: () => backend('blobs'),
    online: () => backend('online'),
    offline: () => backend('offline'),
    lineage,
    context: () =>
      once(
        'context',
        async () => {
          const [md, blobs, graph] = await Promise.all([metadata(), backend('blobs'), lineage()])
          return createServiceContext({
            metadata: md,
            blobs,
            lineage: graph,
            principal: base,
            clock,
            tracing,
          })
        },
        false,
      ),
    featureDefinitions: () =>
      once(
        'feature-definitions',
        async () => {
          const { loadFeatureDefinitions } = await import('../features/index.js')
          return loadFeatureDefinitions(config.root, config.features)
        },
        false,
      ),
    featureConnections: () =>
      once('feature-connections', async () => {
        const { SourceConnectionCache } = await import('../features/index.js')
        const connections = new SourceConnectionCache()
        return { get: connections.get.bind(connections), close: () => connections.closeAll() }
      }),
    pipelineCatalog: () =>
      once(
        'pipeline-catalog',
        async () => {
          const { loadPipelines } = await import('../pipelines/index.js')
          return loadPipelines(config.root, config.pipelines)
        },
        false,
      ),
    stepHandler: async () => {
      const [{ blobLiveLog, createStepHandler, StepThreadPool }, catalog, blobs] = await Promise.all([
        import('../pipelines/index.js'),
        shared.pipelineCatalog(),
        backend('blobs'),
      ])
      // Lines of running steps go to the blob store as they are written (`logs --follow`).
      const liveLog = blobLiveLog(blobs)
      if (config.stepThreads === 0) return createStepHandler(catalog.get, { liveLog, blobs })
      const threads = await once(
        'step-threads',
        async () =>
          new StepThreadPool(config.stepThreads === undefined ? {} : { threads: config.stepThreads }),
      )
      return createStepHandler(catalog.get, { threads, liveLog, blobs })
    },
    executor: () =>
      once('executor', async () => {
        const [{ openExecutor }, handler] = await Promise.all([import('./executor.js'), shared.stepHandler()])
        return openExecutor(config.executor, handler)
      }),
  }
  const root = scope(shared, base)
  // A SQLite file's payload log is written by its own thread (better-sqlite3 blocks the event
  // loop while it writes); Postgres writes are asynchronous, and a simulated clock or an
  // in-memory database is this process's own, so those write on the event loop.
  const payloadSink = async (): Promise<PayloadSink<unknown>> => {
    const uri = parseBackendUri('metadata', config.metadata)
    if (uri.scheme !== 'sqlite' || uriLocalPath(uri, config.root) === ':memory:' || clock !== systemClock)
      return root.payloads()
    await shared.metadata()
    return once('payload-writer', async () => {
      const writer = new PayloadWriterThread({
        metadata: config.metadata,
        blobs: config.blobs,
        root: config.root,
        principal: base,
      })
      writer.start()
      return writer
    })
  }
  const strata: Strata = {
    ...root,
    openRaw: (setting) => openBackend(setting, config[setting], config.root),
    serving: () =>
      once(
        'serving',
        async () => {
          const { ModelCache, ModelServer, PayloadLog } = await import('../serving/index.js')
          const { enabled, retainDays: _retain, archive: _archive, ...logOptions } = config.payloadLog
          const payloadLog =
            enabled === false
              ? undefined
              : new PayloadLog(await payloadSink(), {
                  ...logOptions,
                  // counted in strata_payload_log_failed_writes_total; the entries are retried
                  onError: (err) =>
                    process.stderr.write(`strata: payload log write failed: ${(err as Error).message}\n`),
                })
          return new ModelServer({
            source: () => root.registry(),
            cache: new ModelCache(join(config.root, '.strata', 'model-cache')),
            ...(payloadLog === undefined ? {} : { payloadLog }),
            now: () => clock.now(),
            features: () => root.features(),
          })
        },
        false,
      ).then((server) => {
        closeFirst.add(server)
        return server
      }),
    deliveryController: (controllerOptions) =>
      once('delivery-controller', async () => {
        const { DeliveryController } = await import('../serving/index.js')
        const [delivery, server] = await Promise.all([root.delivery(), strata.serving()])
        return new DeliveryController(delivery, server, controllerOptions)
      }),
    predictor: async <O = Record<string, unknown>>(ref: string, options?: PredictorOptions) => {
      const { openPredictor } = await import('../serving/index.js')
      return openPredictor<O>(await strata.serving(), ref, options)
    },
    serveGraph: async (graph) => {
      const { serveGraph } = await import('../serving/index.js')
      const registry = await root.registry()
      return serveGraph(await strata.serving(), graph, (ref) => registry.resolve(ref))
    },
    close: async () => {
      // the model server first: its payload log flushes into the metadata database
      const first = [...closeFirst]
      closeFirst.clear()
      await Promise.allSettled(first.map((s) => s.close()))
      const all = opened.splice(0).reverse()
      cache.clear()
      generation++
      await Promise.allSettled(all.map((b) => b.close()))
    },
    [Symbol.asyncDispose]: () => strata.close(),
  }
  return strata
}
