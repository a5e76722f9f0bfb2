/**
 * Load generators for HTTP benches, both keeping every response's latency in full precision:
 * autocannon for small requests (it is the lightest client per request, but its own histogram
 * rounds to whole milliseconds, so latencies come from its `response` event), and Node's
 * `http` client for large transfers (autocannon's JS parser reads an 8 MiB body ~8× slower
 * than curl or Node's native parser, which would measure the client, not the server).
 */
import { Agent, request } from 'node:http'
import autocannon from 'autocannon'

/** Latency percentiles (ms) and rate of one load run; only 2xx responses are counted. */
export interface LoadFigures {
  p50: number
  p99: number
  rps: number
  count: number
}

/** One large request: method, path and an optional body sent with a content-length. */
export interface TransferRequest {
  method: 'GET' | 'PUT' | 'POST'
  path: string
  body?: Buffer
  headers?: Record<string, string>
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN

function figures(latencies: number[], seconds: number): LoadFigures {
  latencies.sort((a, b) => a - b)
  return {
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    rps: latencies.length / seconds,
    count: latencies.length,
  }
}

/**
 * `connections` keep-alive connections cycling through `requests` for `seconds`. Rejects when
 * any response is not a 2xx or any request fails or times out (a broken route must not look fast).
 */
export async function autocannonLoad(
  url: string,
  requests: autocannon.Request[],
  connections: number,
  seconds: number,
): Promise<LoadFigures> {
  const latencies: number[] = []
  const result = await new Promise<autocannon.Result>((done, fail) => {
    const instance = autocannon({ url, connections, duration: seconds, requests, timeout: 30 }, (err, res) =>
      err ? fail(err) : done(res),
    )
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms)
    })
  })
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${url} at ${connections} connections: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    )
  }
  return figures(latencies, result.duration)
}

/**
 * `connections` workers on keep-alive sockets, each sending `req` back to back for `seconds`
 * (a request in flight at the deadline still completes and counts). Rejects on any non-2xx.
 */
export async function transferLoad(
  url: string,
  req: TransferRequest,
  connections: number,
  seconds: number,
): Promise<LoadFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const target = new URL(url)
  const headers: Record<string, string | number> = { ...req.headers }
  if (req.body !== undefined) headers['content-length'] = req.body.length
  const once = () =>
    new Promise<number>((done, fail) => {
      const t0 = performance.now()
      const r = request(
        { host: target.hostname, port: target.port, path: req.path, method: req.method, agent, headers },
        (res) => {
          res.on('data', () => {})
          res.on('error', fail)
          res.on('end', () => {
            const status = res.statusCode ?? 0
            if (status < 200 || status >= 300) fail(new Error(`${req.method} ${req.path}: HTTP ${status}`))
            else done(performance.now() - t0)
          })
        },
      )
      r.on('error', fail)
      r.end(req.body)
    })
  const latencies: number[] = []
  const start = performance.now()
  try {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() - start < seconds * 1000) latencies.push(await once())
      }),
    )
  } finally {
    agent.destroy()
  }
  return figures(latencies, (performance.now() - start) / 1000)
}
