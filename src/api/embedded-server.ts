import { StrataError } from '../core/errors.js'
import { isLoopback, servedHostNames } from '../core/loopback.js'
import { strataVersion } from '../core/version.js'
import type { Strata } from '../platform/index.js'
import { listen } from './http/index.js'
import { createServerApp } from './server-app.js'
import { tokenPrincipal } from './token-authentication.js'

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /**
   * Address to bind (default `127.0.0.1`). An address other machines reach needs an active API
   * token in the project (`strata token create`), as `strata server` does.
   */
  host?: string
  /** Port to listen on (default 0: a free one; read it from {@link EmbeddedServer.url}). */
  port?: number
}

/** A running {@link startServer}. */
export interface EmbeddedServer {
  /** Where it answers, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** Stops listening and closes open connections; the project stays open. */
  close(): Promise<void>
}

/**
 * Serves an open project over HTTP from inside your own process: the same routes as
 * `strata server` (Strata's REST API, OIP v2 inference, `POST /v1/predict/{deployment}`, the
 * feature server, the MLflow-compatible API), acting on `strata` itself, so its clock, its
 * deployed models and its delivery policies are the ones that answer. Requests need an API token
 * when the project has one; without one only a loopback address is accepted.
 * Schedulers (monitors, pipeline triggers, payload-log retention) and gRPC stay with
 * `strata server`.
 *
 * @example
 * import { openStrata } from 'strata-ml'
 * import { startServer } from 'strata-ml/server'
 * await using strata = await openStrata()
 * const server = await startServer(strata)
 * await fetch(`${server.url}/v1/predict/flight-delay`, { method: 'POST', ... })
 * await server.close()
 */
export async function startServer(strata: Strata, options: StartServerOptions = {}): Promise<EmbeddedServer> {
  const host = options.host ?? '127.0.0.1'
  const tokensOn = await (await strata.tokens()).anyActive()
  if (!tokensOn && !isLoopback(host)) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `refusing to serve project ${strata.config.project} on ${host} without API tokens: bind a loopback address (127.0.0.1) or create a token with "strata token create --name <name> --scopes <scopes>"`,
    )
  }
  const app = await createServerApp(strata, {
    version: strataVersion(),
    ...(tokensOn ? { principal: tokenPrincipal(strata) } : {}),
    allowedHosts: servedHostNames(host),
  })
  const running = await listen(app, { host, port: options.port ?? 0 })
  return { url: running.url, close: running.close }
}
