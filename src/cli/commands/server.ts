import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { createServerApp, listen, tokenPrincipal } from '../../api/index.js'
import { StrataError } from '../../core/errors.js'
import { strataVersion } from '../../core/version.js'
import type { CliContext } from '../context.js'

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
}

/** The `Host` names served: `--allowed-host`, and the bound address when it is a specific one. */
function allowedHosts(opts: ServerOptions): string[] {
  const names = [...(opts.allowedHost ?? [])]
  if (!WILDCARD_ADDRESSES.includes(opts.host)) names.push(opts.host)
  return names
}

const WILDCARD_ADDRESSES = ['0.0.0.0', '::', '[::]']

/** True for an address only this machine reaches (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase()
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(h)
}

/** `strata server`: serves the REST API (and protocol routers) until interrupted. */
export function registerServer(program: Command, ctx: CliContext): void {
  program
    .command('server')
    .description('serve the REST API, the MLflow-compatible API, online features and the web UI over HTTP')
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
    .option('--cors-origin <origin...>', 'let pages of this origin call the API cross-site (none by default)')
    .option(
      '--insecure',
      'allow binding a non-loopback address without API tokens (anyone who can reach it can do anything)',
    )
    .option('--web <dir>', "serve this built web UI at / (default: the package's web/dist when built)")
    .action(
      ctx.action(async (out, opts: ServerOptions) => {
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
        const webRoot = opts.web ?? bundledWebUi()
        const strata = await ctx.openStrata()
        await strata.metadata()
        const tokensOn = await (await strata.tokens()).anyActive()
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
        const app = await createServerApp(strata, {
          ...(tokensOn ? { principal: tokenPrincipal(strata) } : {}),
          version: strataVersion(),
          allowedHosts: allowedHosts(opts),
          corsOrigins: opts.corsOrigin ?? [],
          logger: { level: opts.logLevel, stream: process.stderr },
          ...(webRoot === undefined ? {} : { webRoot }),
        })
        const server = await listen(app, { host: opts.host, port })
        out.result(
          { url: server.url, project: strata.config.project, root: strata.config.root, tokens: tokensOn },
          () =>
            `strata server listening on ${server.url} (project ${strata.config.project}; ` +
            `${tokensOn ? 'API tokens required' : 'no tokens: local mode'}); Ctrl-C to stop`,
        )
        await new Promise<void>((resolve) => {
          const stop = () => resolve()
          process.once('SIGINT', stop)
          process.once('SIGTERM', stop)
        })
        await server.close()
        await strata.close()
      }),
    )
}
