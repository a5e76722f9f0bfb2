import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { errorMessage, StrataError } from '../../src/core/errors.js'
import { type ApiApp, defaultErrorBody, type TextRoute } from './api-app.js'

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
    const text = app.textRoute(req.method ?? 'GET', pathOf(req.url))
    const served = text === undefined ? handle(app, req, res, host) : handleText(text, req, res)
    served.catch((err: unknown) => {
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

function pathOf(url = '/'): string {
  const q = url.indexOf('?')
  return q < 0 ? url : url.slice(0, q)
}

/** Serves a {@link TextRoute}: the whole body as text in, JSON text out, no web objects. */
async function handleText(route: TextRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let status = 200
  let body: string
  try {
    const length = Number(req.headers['content-length'] ?? 0)
    if (length > BUFFERED_BODY_LIMIT) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `request body of ${length} bytes exceeds the ${BUFFERED_BODY_LIMIT}-byte limit of ${route.path}`,
      )
    }
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    body = await route.handle(Buffer.concat(chunks).toString('utf8'))
  } catch (err) {
    ;({ status, body } = defaultErrorBody(err))
  }
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** Request bodies up to this size (by `content-length`) are read whole instead of streamed. */
const BUFFERED_BODY_LIMIT = 1024 * 1024

async function handle(app: ApiApp, req: IncomingMessage, res: ServerResponse, host: string): Promise<void> {
  const url = `http://${req.headers.host ?? host}${req.url ?? '/'}`
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
    ...(await requestBody(req)),
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
  await writeBody(response.body, res)
}

/**
 * The body of a request as `RequestInit` fields: small bodies (a known `content-length` up to
 * {@link BUFFERED_BODY_LIMIT}) are read into one buffer, which costs far less per request than
 * a web stream; larger or chunked ones stream.
 */
async function requestBody(req: IncomingMessage): Promise<Pick<RequestInit, 'body'> & { duplex?: 'half' }> {
  if (req.method === 'GET' || req.method === 'HEAD') return {}
  const length = Number(req.headers['content-length'] ?? Number.NaN)
  if (length >= 0 && length <= BUFFERED_BODY_LIMIT) {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    return { body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks) }
  }
  return { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' }
}

/** Writes a web stream to the response, honouring back-pressure; stops when the client goes. */
async function writeBody(body: ReadableStream<Uint8Array>, res: ServerResponse): Promise<void> {
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (res.destroyed) return
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          res.once('drain', resolve)
          res.once('close', resolve)
        })
      }
    }
    res.end()
  } finally {
    reader.releaseLock()
    if (res.destroyed) await body.cancel().catch(() => {})
  }
}
