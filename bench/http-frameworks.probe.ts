/**
 * Wire probes for issue 17's item 3, against the servers of `http-frameworks.bench.ts` as built
 * there: today's node:http stack as it is, Fastify and Hono as the migration would configure them
 * (see their files for the plugins and middleware). What each answers to an oversized chunked or
 * declared body, a wrong or missing content type, a `Host` header holding a path, TRACE and a
 * wrong method, deeply nested JSON; whether responses carry a request id and are gzipped; which
 * node:http timeouts it leaves. Prints one table: expected answer, then each server's.
 *
 * Run: `npx jiti bench/http-frameworks.probe.ts [--only node,fastify,hono] [--dir /tmp/strata-http-bench]`
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { chunked, type RawResponse, rawRequest } from '../test/support/raw-http.js'
import { FRAMEWORKS, type Framework, ONLINE_PATH, RUNS_GET_PATH } from './http-frameworks.routes.js'
import { startBenchServers, type Target } from './http-frameworks.start.js'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}
const only = arg('only', FRAMEWORKS.join(',')).split(',') as Framework[]
const dir = resolve(arg('dir', '/tmp/strata-http-bench'))

const ONLINE_BODY = JSON.stringify({ features: ['driver_stats:f0'], entities: { driver_id: [1] } })
/**
 * A valid online request of about `bytes` bytes, in 64 KiB pieces: one entity and a long unknown
 * field, so a server that reads it all answers at once instead of looking up millions of ids.
 */
function* bigOnlineBody(bytes: number): Generator<Buffer> {
  yield Buffer.from('{"features":["driver_stats:f0"],"entities":{"driver_id":[1]},"pad":"')
  const piece = Buffer.from('x'.repeat(64 * 1024))
  for (let n = 0; n < bytes; n += piece.length) yield piece
  yield Buffer.from('"}')
}
const BIG = 64 * 1024 * 1024
/** Peak resident memory of a server process so far (MiB), from /proc. */
const peakMiB = (t: Target) =>
  Number(/VmHWM:\s*(\d+)/.exec(readFileSync(`/proc/${t.child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024
const DEPTH = 100_000
const host = (t: Target) => new URL(t.url).host
const post = (t: Target, headers: string) => `POST ${ONLINE_PATH} HTTP/1.1\r\nHost: ${host(t)}\r\n${headers}`
const short = (r: RawResponse) =>
  r.status === 0 ? 'no answer' : `${r.status} ${r.body.replace(/\s+/g, ' ').slice(0, 60)}`

/** One probe: what is sent, what a correct server answers, and how to read an answer. */
interface Probe {
  name: string
  expected: string
  run(t: Target): Promise<string>
}

const PROBES: Probe[] = [
  {
    name: 'JSON route, 64 MiB chunked body (limit 1 MiB)',
    expected: '413, nothing buffered past the limit',
    run: async (t) => {
      const before = peakMiB(t)
      const r = await rawRequest(t.url, {
        head: post(t, 'Content-Type: application/json\r\nTransfer-Encoding: chunked'),
        body: chunked(bigOnlineBody(BIG)),
      })
      const sent = (r.sentBeforeAnswer / 2 ** 20).toFixed(0)
      return `${short(r)}; ${sent} MiB written before the answer; peak RSS +${(peakMiB(t) - before).toFixed(0)} MiB`
    },
  },
  {
    name: 'JSON route, 64 MiB declared Content-Length',
    expected: '413',
    run: async (t) => {
      const body = Buffer.concat([...bigOnlineBody(BIG)])
      const r = await rawRequest(t.url, {
        head: post(t, `Content-Type: application/json\r\nContent-Length: ${body.length}`),
        body: [body],
      })
      return short(r)
    },
  },
  {
    name: 'JSON route, Content-Type text/plain',
    expected: '415',
    run: async (t) =>
      short(
        await rawRequest(t.url, {
          head: post(t, `Content-Type: text/plain\r\nContent-Length: ${ONLINE_BODY.length}`),
          body: [Buffer.from(ONLINE_BODY)],
        }),
      ),
  },
  {
    name: 'JSON route, no Content-Type',
    expected: '415',
    run: async (t) =>
      short(
        await rawRequest(t.url, {
          head: post(t, `Content-Length: ${ONLINE_BODY.length}`),
          body: [Buffer.from(ONLINE_BODY)],
        }),
      ),
  },
  {
    name: '`GET /nope` with `Host: <host>/…/runs/get?run_id=<id>&x=`',
    expected: '404 or 400 (never the run)',
    run: async (t) =>
      short(
        await rawRequest(t.url, {
          head: `GET /nope HTTP/1.1\r\nHost: ${host(t)}${RUNS_GET_PATH}?run_id=${t.runId}&x=`,
        }),
      ),
  },
  {
    name: 'TRACE on the JSON route',
    expected: '405',
    run: async (t) =>
      short(await rawRequest(t.url, { head: `TRACE ${ONLINE_PATH} HTTP/1.1\r\nHost: ${host(t)}` })),
  },
  {
    name: 'DELETE on the JSON route (POST only)',
    expected: '405 + Allow',
    run: async (t) => {
      const r = await rawRequest(t.url, { head: `DELETE ${ONLINE_PATH} HTTP/1.1\r\nHost: ${host(t)}` })
      return `${short(r)}${r.headers.allow === undefined ? '' : `; Allow: ${r.headers.allow}`}`
    },
  },
  {
    name: `JSON nested ${DEPTH} deep in entities`,
    expected: '400, server lives',
    run: async (t) => {
      const body = Buffer.from(
        `{"features":["driver_stats:f0"],"entities":{"driver_id":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}}`,
      )
      const r = await rawRequest(t.url, {
        head: post(t, `Content-Type: application/json\r\nContent-Length: ${body.length}`),
        body: [body],
      })
      const alive = await fetch(`${t.url}${RUNS_GET_PATH}?run_id=${t.runId}`).then(
        (res) => res.status === 200,
        () => false,
      )
      return `${short(r)}; ${alive ? 'alive' : 'DOWN'}`
    },
  },
  {
    name: 'request id header on a response',
    expected: 'x-request-id',
    run: async (t) => {
      const res = await fetch(`${t.url}${RUNS_GET_PATH}?run_id=${t.runId}`)
      await res.arrayBuffer()
      const ids = [...res.headers.keys()].filter((k) => /request-?id/i.test(k))
      return ids.length === 0 ? 'none' : ids.join(', ')
    },
  },
  {
    name: 'gzip for `Accept-Encoding: gzip` (runs/get)',
    expected: 'content-encoding: gzip',
    run: async (t) => {
      const r = await rawRequest(t.url, {
        head: `GET ${RUNS_GET_PATH}?run_id=${t.runId} HTTP/1.1\r\nHost: ${host(t)}\r\nAccept-Encoding: gzip`,
      })
      return r.headers['content-encoding'] ?? 'identity'
    },
  },
  {
    name: 'socket timeouts: request / headers / idle (s)',
    expected: 'request 0 for uploads, headers and idle set',
    run: async (t) => {
      const s = (ms: number) => String(ms / 1000)
      return `${s(t.timeouts.request)} / ${s(t.timeouts.headers)} / ${s(t.timeouts.idle)}`
    },
  },
]

const servers = await startBenchServers(dir, only, 1024)
try {
  console.log(`| probe | expected | ${only.join(' | ')} |\n|---|---|${only.map(() => '---|').join('')}`)
  for (const probe of PROBES) {
    const answers: string[] = []
    for (const t of servers.targets) answers.push((await probe.run(t)).replaceAll('|', '\\|'))
    console.log(`| ${probe.name} | ${probe.expected} | ${answers.join(' | ')} |`)
  }
} finally {
  await servers.stop()
}
