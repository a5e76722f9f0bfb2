/**
 * HTTP framework comparison for issue 17: today's node:http stack (`createServerApp` +
 * `listen`, the text route for online features) against the same routes on Fastify 5 and on
 * Hono 4 + `@hono/node-server`, each server in its own process over the same seeded services.
 * Cases: `POST /features/online` 1 × 10 and 100 × 10 (SQLite online store), MLflow `GET
 * runs/get` (a small JSON read), and an artifact `PUT`/`GET` through the MLflow artifact proxy
 * (8 MiB, streamed, memory blob store); each at 1 and 16 connections. Load: autocannon, with
 * every response's latency taken from its `response` event (its own histogram rounds to whole
 * milliseconds). Frameworks are interleaved within each round; figures are medians over rounds.
 *
 * Run: `npx jiti bench/http-frameworks.bench.ts [--seconds 10] [--warmup 2] [--rounds 3]
 *       [--connections 1,16] [--only node,fastify,hono[,hono-nolimit]] [--cases online-1,online-100,runs-get,upload,download]
 *       [--artifact-mib 8] [--dir /tmp/strata-http-bench]`
 */
import { createHash, randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { onlineRequestBodies } from './feature-online.setup.js'
import {
  ARTIFACTS_PATH,
  FRAMEWORKS,
  type Framework,
  ONLINE_PATH,
  RUNS_GET_PATH,
  SERVERS,
} from './http-frameworks.routes.js'
import { ENTITIES, startBenchServers, type Target } from './http-frameworks.start.js'
import { autocannonLoad, type LoadFigures, transferLoad } from './http-load.js'
import { processCpuMs } from './process-cpu.js'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}
const list = (name: string, fallback: string) => arg(name, fallback).split(',').filter(Boolean)
const seconds = Number(arg('seconds', '10'))
const warmup = Number(arg('warmup', '2'))
const rounds = Number(arg('rounds', '3'))
const connections = list('connections', '1,16').map(Number)
const only = list('only', FRAMEWORKS.join(',')) as Framework[]
for (const name of only) {
  if (!(SERVERS as readonly string[]).includes(name))
    throw new Error(`--only: unknown server "${name}"; expected ${SERVERS.join(', ')}`)
}
const artifactBytes = Number(arg('artifact-mib', '8')) * 1024 * 1024
const dir = resolve(arg('dir', '/tmp/strata-http-bench'))

/** One benchmarked request shape. */
interface Case {
  name: string
  /** Loads the server `t` with `connections` connections for `seconds`. */
  load(t: Target, connections: number, seconds: number): Promise<LoadFigures>
  /** Bytes moved per request, for MiB/s (transfers only). */
  bytes?: number
  /** One request's response, normalized for comparison across frameworks. */
  check(t: Target): Promise<unknown>
}

const json = { 'content-type': 'application/json' }
const sha = (b: ArrayBuffer | Uint8Array) => createHash('sha256').update(new Uint8Array(b)).digest('hex')
async function ok(res: Response): Promise<Response> {
  if (res.status !== 200) throw new Error(`${res.url}: HTTP ${res.status}: ${await res.text()}`)
  return res
}

function onlineCase(batch: number): Case {
  const bodies = onlineRequestBodies(batch, ENTITIES)
  return {
    name: `online-${batch}`,
    load: (t, conns, secs) =>
      autocannonLoad(
        t.url,
        bodies.map((body) => ({ method: 'POST', path: ONLINE_PATH, headers: json, body })),
        conns,
        secs,
      ),
    check: async (t) =>
      (
        await ok(
          await fetch(`${t.url}${ONLINE_PATH}`, { method: 'POST', headers: json, body: bodies[0] ?? '' }),
        )
      ).json(),
  }
}

const VARYING = new Set(['run_id', 'run_uuid', 'start_time', 'end_time', 'artifact_uri', 'timestamp'])
/** A JSON value without the keys that differ between equally seeded servers. */
function withoutKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutKeys)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !VARYING.has(k))
      .map(([k, v]) => [k, withoutKeys(v)]),
  )
}

const upload = randomBytes(artifactBytes)
const ALL_CASES: Case[] = [
  onlineCase(1),
  onlineCase(100),
  {
    name: 'runs-get',
    load: (t, conns, secs) =>
      autocannonLoad(t.url, [{ method: 'GET', path: `${RUNS_GET_PATH}?run_id=${t.runId}` }], conns, secs),
    // Ids and times differ per server (each seeded its own run); the shape and values must not.
    check: async (t) =>
      withoutKeys(await (await ok(await fetch(`${t.url}${RUNS_GET_PATH}?run_id=${t.runId}`))).json()),
  },
  {
    name: 'upload',
    bytes: artifactBytes,
    load: (t, conns, secs) =>
      transferLoad(
        t.url,
        {
          method: 'PUT',
          path: `${ARTIFACTS_PATH}/${t.uploadPath}`,
          headers: { 'content-type': 'application/octet-stream' },
          body: upload,
        },
        conns,
        secs,
      ),
    check: async (t) => {
      const url = `${t.url}${ARTIFACTS_PATH}/${t.uploadPath}`
      const put = await ok(await fetch(url, { method: 'PUT', body: upload }))
      return { put: await put.json(), stored: sha(await (await ok(await fetch(url))).arrayBuffer()) }
    },
  },
  {
    name: 'download',
    bytes: artifactBytes,
    load: (t, conns, secs) =>
      transferLoad(t.url, { method: 'GET', path: `${ARTIFACTS_PATH}/${t.downloadPath}` }, conns, secs),
    check: async (t) => {
      const res = await ok(await fetch(`${t.url}${ARTIFACTS_PATH}/${t.downloadPath}`))
      return { length: res.headers.get('content-length'), bytes: (await res.arrayBuffer()).byteLength }
    },
  },
]
const CASES = ALL_CASES.filter((c) =>
  list('cases', 'online-1,online-100,runs-get,upload,download').includes(c.name),
)

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

const servers = await startBenchServers(dir, only, artifactBytes)
const { targets } = servers
const results = new Map<string, (LoadFigures & { cpuUs: number })[]>()
try {
  // Same answers from every server before any timing.
  for (const c of CASES) {
    const [first, ...rest] = await Promise.all(targets.map((t) => c.check(t)))
    for (const [i, other] of rest.entries()) {
      if (!isDeepStrictEqual(first, other)) {
        throw new Error(
          `${c.name}: ${targets[i + 1]?.framework} answers ${JSON.stringify(other).slice(0, 300)}, ${targets[0]?.framework} ${JSON.stringify(first).slice(0, 300)}`,
        )
      }
    }
  }
  console.log(
    `checked: ${targets.map((t) => t.framework).join(', ')} answer ${CASES.map((c) => c.name).join(', ')} alike`,
  )
  for (let round = 0; round < rounds; round++) {
    for (const c of CASES) {
      for (const conns of connections) {
        // Rotate who goes first, so drift on a shared machine does not favour one framework.
        const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target)
        for (const t of order) {
          if (warmup > 0) await c.load(t, conns, warmup)
          const cpuBefore = processCpuMs(t.child.pid as number)
          const load = await c.load(t, conns, seconds)
          const f = {
            ...load,
            cpuUs: ((processCpuMs(t.child.pid as number) - cpuBefore) * 1000) / load.count,
          }
          const key = `${c.name}|${conns}|${t.framework}`
          results.set(key, [...(results.get(key) ?? []), f])
          console.log(
            `round ${round + 1} ${c.name.padEnd(10)} ${String(conns).padStart(2)} conn ${t.framework.padEnd(8)} p50 ${f.p50.toFixed(3)} ms  p99 ${f.p99.toFixed(3)} ms  ${f.rps.toFixed(0)} req/s  ${f.cpuUs.toFixed(0)} µs CPU/req`,
          )
        }
      }
    }
  }
} finally {
  await servers.stop()
}

console.log(
  `\nMedians over ${rounds} round(s) of ${seconds} s; "vs node" = req/s ÷ node's and p99 ÷ node's; "CPU" = the server process's\n` +
    'user + system CPU per request (µs), which machine load does not inflate as it does latency.\n' +
    '\n| case | conns | server | p50 ms | p99 ms | req/s | MiB/s | CPU µs/req | req/s vs node | p99 vs node | CPU vs node |\n|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
)
for (const c of CASES) {
  for (const conns of connections) {
    const base = results.get(`${c.name}|${conns}|node`)
    const baseRps = base === undefined ? undefined : median(base.map((f) => f.rps))
    const baseP99 = base === undefined ? undefined : median(base.map((f) => f.p99))
    const baseCpu = base === undefined ? undefined : median(base.map((f) => f.cpuUs))
    for (const framework of only) {
      const runs = results.get(`${c.name}|${conns}|${framework}`) ?? []
      const [p50, p99, rps, cpu] = [
        median(runs.map((f) => f.p50)),
        median(runs.map((f) => f.p99)),
        median(runs.map((f) => f.rps)),
        median(runs.map((f) => f.cpuUs)),
      ]
      const mibs = c.bytes === undefined ? '' : ((rps * c.bytes) / 2 ** 20).toFixed(0)
      const vs = (x: number, b: number | undefined) => (b === undefined ? '' : (x / b).toFixed(2))
      console.log(
        `| ${c.name} | ${conns} | ${framework} | ${p50.toFixed(3)} | ${p99.toFixed(3)} | ${rps.toFixed(0)} | ${mibs} | ${cpu.toFixed(0)} | ${vs(rps, baseRps)} | ${vs(p99, baseP99)} | ${vs(cpu, baseCpu)} |`,
      )
    }
  }
}
