import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import type { RunningGrpcServer } from '../../api/index.js'
import { StrataError } from '../../core/errors.js'
import { isLoopback, servedHostNames } from '../../core/loopback.js'
import { strataVersion } from '../../core/version.js'
import type { GraphEndpoint } from '../../serving/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { positiveNumber, wholeNumber } from '../options.js'
import type { Output } from '../output.js'
import { startPayloadRetention } from './server-retention.js'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** The web UI built into the package (`web/dist`), when it is there. */
function bundledWebUi(): string | undefined {
  const dist = fileURLToPath(new URL('../../../web/dist', import.meta.url))
  return existsSync(`${dist}/index.html`) ? dist : undefined
}

interface ServerOptions {
  host: string
  port: string
  logLevel: string
  web?: string
  allowedHost?: string[]
  corsOrigin?: string[]
  insecure?: boolean
  model?: string[]
  maxBatchSize?: string
  maxQueueDelayUs: string
  maxQueue: string
  features?: string
  monitorPollSeconds: string
  monitorLeaseSeconds: string
  grpcPort?: string
  pipelineTriggers: boolean
  triggerPollSeconds: string
  retentionPollSeconds: string
  reloadPollSeconds: string
}

/** `strata server` (and `strata serve <model…>`): serves the REST API and protocol routers until interrupted. */
export function registerServer(program: Command, ctx: CliContext): void {
  const options = (command: Command) =>
    command
      .option('--host <host>', 'interface to bind (local mode: loopback only)', '127.0.0.1')
      .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '5000')
      .option(
        '--log-level <level>',
        `log to stderr from this level (${LOG_LEVELS.join(', ')}); info logs every request`,
        'warn',
      )
      .option(
        '--allowed-host <name...>',
        'answer requests whose Host is this name too (besides localhost, 127.0.0.1, [::1]); * for any',
      )
      .option(
        '--cors-origin <origin...>',
        'let pages of this origin call the API cross-site (none by default)',
      )
      .option(
        '--insecure',
        'allow binding a non-loopback address without API tokens (anyone who can reach it can do anything)',
      )
      .option('--web <dir>', "serve this built web UI at / (default: the package's web/dist when built)")
      .option('--max-batch-size <rows>', 'dynamic batching: most rows per model call (default: no batching)')
      .option('--max-queue-delay-us <micros>', 'dynamic batching: longest wait for a batch to fill', '500')
      .option('--max-queue <requests>', 'dynamic batching: most waiting requests before UNAVAILABLE', '1024')
      .option(
        '--grpc-port <port>',
        'also serve the Open Inference Protocol v2 over gRPC on this port, same host (0 picks a free one; default: config grpc.port, else off)',
      )
      .option(
        '--features <service>',
        "feature service the served models read for POST /v1/predict (default each version's feature_service tag)",
      )
      // `strata serve` runs the monitors too: it is `strata server --model …`
      .option(
        '--monitor-poll-seconds <n>',
        'how often scheduled monitors and retrain loops in flight are checked (with monitors in strata.config.ts)',
        '5',
      )
      .option(
        '--monitor-lease-seconds <n>',
        'how long a scheduled monitor run stays claimed without renewal; a server killed mid-run loses it after this and another server takes the run over',
        '60',
      )
      .option(
        '--no-pipeline-triggers',
        'do not fire pipeline triggers nor drive their runs here (with pipelines in strata.config.ts; e.g. when strata scheduler does)',
      )
      .option(
        '--trigger-poll-seconds <n>',
        'how often pipeline triggers are checked and abandoned runs resumed (once per commit or cron minute across servers)',
        '10',
      )
      .option(
        '--reload-poll-seconds <n>',
        'how often the references of --model and of inference graphs are re-resolved: a moved alias hot-reloads what it serves',
        '10',
      )
      .option(
        '--retention-poll-seconds <n>',
        'how often the payload log is pruned to payloadLog.retainDays (when the config sets it), as strata predictions prune does',
        '3600',
      )
  options(
    program
      .command('server')
      .addHelpText(
        'after',
        examples(
          'strata server',
          'strata server --port 8080 --model driver-churn@champion',
          'strata server --host 0.0.0.0 --allowed-host ml.example.com   # with tokens: strata token create',
        ),
      )
      .description(
        'serve the REST API, the MLflow-compatible API, online features, model inference (Open Inference Protocol v2) and the web UI over HTTP',
      ),
  )
    .option(
      '--model <ref...>',
      'deploy these registry models for inference at /v2/models/<name> (name@alias, name/<version> or name)',
    )
    .action(ctx.action(async (out, opts: ServerOptions) => serve(ctx, out, opts)))
  options(
    program
      .command('serve')
      .addHelpText(
        'after',
        examples(
          'strata serve driver-churn@champion',
          'strata serve driver-churn@champion --max-batch-size 64 --port 8080',
        ),
      )
      .argument(
        '<model...>',
        'registry models to serve (name@alias, name/<version>, name; models:/ prefix allowed)',
      )
      .description('serve registry models over the Open Inference Protocol v2 (strata server with --model)'),
  ).action(
    ctx.action(async (out, models: string[], opts: ServerOptions) =>
      serve(ctx, out, { ...opts, model: models }),
    ),
  )
}

async function serve(ctx: CliContext, out: Output, opts: ServerOptions): Promise<void> {
  const port = Number(opts.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StrataError('INVALID_ARGUMENT', `--port "${opts.port}" is invalid; expected 0–65535`)
  }
  if (!LOG_LEVELS.includes(opts.logLevel)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `--log-level "${opts.logLevel}" is invalid; expected one of ${LOG_LEVELS.join(', ')}`,
    )
  }
  const batching =
    opts.maxBatchSize === undefined
      ? false
      : {
          maxBatchSize: wholeNumber('--max-batch-size', opts.maxBatchSize, 1),
          maxQueueDelayMicros: wholeNumber('--max-queue-delay-us', opts.maxQueueDelayUs, 0),
          maxQueue: wholeNumber('--max-queue', opts.maxQueue, 1),
        }
  const webRoot = opts.web ?? bundledWebUi()
  const strata = await ctx.openStrata()
  let grpcPort: number | undefined
  if (opts.grpcPort !== undefined) {
    grpcPort = Number(opts.grpcPort)
    if (!Number.isInteger(grpcPort) || grpcPort < 0 || grpcPort > 65535) {
      await strata.close()
      throw new StrataError('INVALID_ARGUMENT', `--grpc-port "${opts.grpcPort}" is invalid; expected 0–65535`)
    }
  } else grpcPort = strata.config.grpc.port
  const models: { name: string; version: number; ref: string }[] = []
  const deployments: string[] = []
  const stops: (() => Promise<void>)[] = []
  const graphs: GraphEndpoint[] = []
  let pipelineTriggers = false
  let tokensOn: boolean
  try {
    await strata.metadata()
    tokensOn = await (await strata.tokens()).anyActive()
    if (!tokensOn && !isLoopback(opts.host)) {
      if (opts.insecure !== true) {
        throw new StrataError(
          'FAILED_PRECONDITION',
          `refusing to serve on ${opts.host} without API tokens: anyone who can reach it could change the project; ` +
            'create one with "strata token create --name <name> --scopes <scopes>", bind 127.0.0.1, or pass --insecure',
        )
      }
      out.warn(
        `INSECURE: serving on ${opts.host} WITHOUT authentication (--insecure): anyone who can reach this address can read, change and delete everything in project ${strata.config.project}`,
      )
    }
    for (const ref of opts.model ?? []) {
      const progress = out.progress(`loading ${ref}`)
      const served = await (await strata.serving()).deploy(ref, {
        batching,
        ...(opts.features === undefined ? {} : { features: opts.features }),
      })
      progress.finish(`version ${served.version} ready`)
      models.push({ name: served.name, version: served.version, ref })
    }
    // Inference graphs declared in the project (graphs in strata.config.ts), checked before serving
    if (strata.config.graphs !== undefined) {
      const { loadGraphs } = await import('../../serving/index.js')
      for (const graph of await loadGraphs(strata.config.root, strata.config.graphs)) {
        const progress = out.progress(`loading inference graph ${graph.name}`)
        const endpoint = await strata.serveGraph(graph)
        progress.finish(`${graph.kind} ready`)
        graphs.push(endpoint)
        models.push({ name: graph.name, version: endpoint.model().version, ref: `graph:${graph.name}` })
      }
    }
    if (models.length > 0) {
      const registry = await strata.registry()
      const { followAliases } = await import('../../serving/index.js')
      const stop = followAliases(await strata.serving(), (ref) => registry.resolve(ref), {
        models: models.filter((m) => !m.ref.startsWith('graph:')).map((m) => m.name),
        graphs,
        everyMs: positiveNumber('--reload-poll-seconds', opts.reloadPollSeconds) * 1000,
        onError: (err, name) => out.warn(`serving ${name}: ${err.message}`),
      })
      stops.push(stop)
    }
    // Deployments (progressive delivery): served as their current revisions, kept in sync
    // with the metadata database and driven by the rollout engine on every tick.
    const controller = await strata.deliveryController({
      onError: (err) => out.warn(`delivery: ${(err as Error).message}`),
    })
    await controller.sync()
    controller.start()
    for (const d of await (await strata.delivery()).list()) deployments.push(d.name)
    // Monitors on their schedule and the closed loops in flight: once across servers.
    if (strata.config.monitors !== undefined) {
      const poll = positiveNumber('--monitor-poll-seconds', opts.monitorPollSeconds)
      const lease = positiveNumber('--monitor-lease-seconds', opts.monitorLeaseSeconds)
      const { MonitorScheduler } = await import('../../monitoring/index.js')
      const monitors = new MonitorScheduler(
        await strata.monitoring(),
        { now: () => Date.now() },
        {
          pollMs: poll * 1000,
          leaseMs: lease * 1000,
          onRun: (run) => {
            if (run.attempt > 1)
              out.warn(
                `monitoring: took over the run of ${run.monitor} at ${run.fireKey} (attempt ${run.attempt}): ${run.status}`,
              )
          },
          onError: (err) => out.warn(`monitoring: ${err.message}`),
        },
      )
      monitors.start()
      stops.push(() => monitors.close())
    }
    // Pipeline triggers (new commits, cron) and runs whose coordinator died: once across servers
    // and schedulers sharing the metadata database.
    if (strata.config.pipelines !== undefined && opts.pipelineTriggers) {
      const poll = positiveNumber('--trigger-poll-seconds', opts.triggerPollSeconds)
      const { TriggerLoop } = await import('../../pipelines/index.js')
      const loop = new TriggerLoop(
        await strata.pipelines(),
        { now: () => Date.now() },
        {
          pollMs: poll * 1000,
          onRun: (r) => {
            if (r.status !== 'succeeded')
              out.warn(
                `pipelines: ${r.pipeline} run ${r.runId} (${r.trigger} ${r.fireKey}): ${r.error ?? r.status}`,
              )
          },
          onProblem: (message) => out.warn(`pipelines: ${message}`),
        },
      )
      loop.start()
      stops.push(() => loop.close())
      pipelineTriggers = true
    }
    const retention = positiveNumber('--retention-poll-seconds', opts.retentionPollSeconds)
    const stopRetention = startPayloadRetention(strata, {
      everyMs: retention * 1000,
      onError: (err) => out.warn(`payload log retention: ${err.message}`),
    })
    if (stopRetention !== undefined) stops.push(stopRetention)
  } catch (err) {
    for (const stop of stops) await stop()
    await strata.close()
    throw err
  }
  const { createServerApp, GRPC_MAX_MESSAGE_BYTES, listen, startGrpcServer, tokenPrincipal } = await import(
    '../../api/index.js'
  )
  const app = await createServerApp(strata, {
    ...(tokensOn ? { principal: tokenPrincipal(strata) } : {}),
    version: strataVersion(),
    allowedHosts: servedHostNames(opts.host, opts.allowedHost ?? []),
    corsOrigins: opts.corsOrigin ?? [],
    logger: { level: opts.logLevel, stream: process.stderr },
    ...(webRoot === undefined ? {} : { webRoot }),
  })
  // gRPC listens first: once the REST port answers, so does the gRPC one (clients and scripts
  // wait for the REST port)
  let grpc: RunningGrpcServer | undefined
  if (grpcPort !== undefined) {
    try {
      grpc = await startGrpcServer({
        server: () => strata.serving(),
        version: strataVersion(),
        host: opts.host,
        port: grpcPort,
        maxMessageBytes: strata.config.grpc.maxMessageBytes ?? GRPC_MAX_MESSAGE_BYTES,
        ...(tokensOn ? { tokens: strata } : {}),
        onError: (err, method) => app.log.error({ err }, `gRPC ${method} failed`),
      })
    } catch (err) {
      for (const stop of stops) await stop()
      await app.close()
      await strata.close()
      throw err
    }
  }
  let server: Awaited<ReturnType<typeof listen>>
  try {
    server = await listen(app, { host: opts.host, port })
  } catch (err) {
    for (const stop of stops) await stop()
    await grpc?.close()
    await app.close()
    await strata.close()
    throw err
  }
  out.result(
    {
      url: server.url,
      grpc: grpc?.address ?? null,
      project: strata.config.project,
      root: strata.config.root,
      tokens: tokensOn,
      models,
      deployments,
      pipelineTriggers,
    },
    () =>
      `strata server listening on ${server.url} (project ${strata.config.project}; ` +
      `${tokensOn ? 'API tokens required' : 'no tokens: local mode'}); Ctrl-C to stop` +
      (grpc === undefined ? '' : `\n  gRPC (Open Inference Protocol v2) on ${grpc.address}`) +
      models
        .map(
          (m) => `\n  serving ${m.name} version ${m.version} (${m.ref}) at ${server.url}/v2/models/${m.name}`,
        )
        .join('') +
      deployments.map((d) => `\n  deployment ${d} at ${server.url}/v2/models/${d}`).join('') +
      (pipelineTriggers ? `\n  pipeline triggers checked every ${opts.triggerPollSeconds}s` : ''),
  )
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  for (const stop of stops) await stop()
  await grpc?.close()
  await server.close()
  await strata.close()
}
