import type { Command } from 'commander'
import { createServerApp, listen } from '../../api/index.js'
import { StrataError } from '../../core/errors.js'
import { strataVersion } from '../../core/version.js'
import type { CliContext } from '../context.js'

/** `strata server`: serves the REST API (and protocol routers) until interrupted. */
export function registerServer(program: Command, ctx: CliContext): void {
  program
    .command('server')
    .description('serve the REST API, the MLflow-compatible API and online features over HTTP')
    .option('--host <host>', 'interface to bind (local mode: loopback only)', '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '5000')
    .action(
      ctx.action(async (out, opts: { host: string; port: string }) => {
        const port = Number(opts.port)
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new StrataError('INVALID_ARGUMENT', `--port "${opts.port}" is invalid; expected 0–65535`)
        }
        const strata = await ctx.openStrata()
        await strata.metadata()
        const server = await listen(await createServerApp(strata, { version: strataVersion() }), {
          host: opts.host,
          port,
        })
        out.result(
          { url: server.url, project: strata.config.project, root: strata.config.root },
          () => `strata server listening on ${server.url} (project ${strata.config.project}); Ctrl-C to stop`,
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
