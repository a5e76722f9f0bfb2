import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { StrataError } from '../../core/errors.js'

/** Options for {@link listen}. */
export interface ListenOptions {
  /** Interface to bind; default `127.0.0.1` (local mode never listens on other interfaces). */
  host?: string
  /** Port; `0` picks a free one. */
  port?: number
}

/** A running HTTP server. */
export interface RunningServer {
  server: Server
  url: string
  /** Stops accepting connections, ends open ones (event streams too) and closes the app. */
  close(): Promise<void>
}

/** Serves an app (see `createServerApp`) on a socket; a port in use is `FAILED_PRECONDITION`. */
export async function listen(app: FastifyInstance, options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? 0
  try {
    await app.listen({ host, port })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new StrataError(
      code === 'EADDRINUSE' ? 'FAILED_PRECONDITION' : 'UNAVAILABLE',
      code === 'EADDRINUSE'
        ? `port ${port} on ${host} is already in use; pick another with --port`
        : `cannot listen on ${host}:${port}: ${(err as Error).message}`,
      { cause: err },
    )
  }
  const { port: bound } = app.server.address() as AddressInfo
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    server: app.server,
    url: `http://${shown}:${bound}`,
    close: async () => {
      app.server.closeAllConnections()
      await app.close()
    },
  }
}
