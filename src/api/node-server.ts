import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { errorMessage, StrataError } from '../core/errors.js'
import type { ApiApp } from './api-app.js'

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
  close(): Promise<void>
}

/** Serves an {@link ApiApp} over node:http, streaming request and response bodies. */
export async function listen(app: ApiApp, options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const server = createServer((req, res) => {
    handle(app, req, res, host).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { code: 'INTERNAL', message: errorMessage(err) } }))
    })
  })
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new StrataError(
          err.code === 'EADDRINUSE' ? 'FAILED_PRECONDITION' : 'UNAVAILABLE',
          err.code === 'EADDRINUSE'
            ? `port ${options.port} on ${host} is already in use; pick another with --port`
            : `cannot listen on ${host}:${options.port}: ${err.message}`,
        ),
      )
    })
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    server,
    url: `http://${shown}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

async function handle(app: ApiApp, req: IncomingMessage, res: ServerResponse, host: string): Promise<void> {
  const url = `http://${req.headers.host ?? host}${req.url ?? '/'}`
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const v of value) headers.append(name, v)
    else headers.set(name, value)
  }
  const controller = new AbortController()
  res.on('close', () => controller.abort())
  const request = new Request(url, {
    method: req.method ?? 'GET',
    headers,
    signal: controller.signal,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
  } as RequestInit)
  const response = await app.fetch(request)
  const outHeaders: Record<string, string | string[]> = {}
  response.headers.forEach((value, name) => {
    outHeaders[name] = value
  })
  res.writeHead(response.status, outHeaders)
  if (response.body === null || req.method === 'HEAD') {
    res.end()
    return
  }
  const body = Readable.fromWeb(response.body as NodeReadableStream)
  await new Promise<void>((resolve, reject) => {
    body.on('error', reject)
    res.on('error', reject)
    res.on('finish', resolve)
    res.on('close', resolve)
    body.pipe(res)
  })
}
