/**
 * Online retrieval benchmark: p50/p99 latency and throughput for 1 entity × 10 features and
 * 100 entities × 10 features, in-process and over HTTP (`POST /features/online`, Feast's request
 * shape), on SQLite and Redis, against Feast's Python feature server (`feast serve`, Redis) fed by
 * the same load generator with the same request bodies.
 *
 * Every HTTP case also reports the server's CPU per request (user + system time of the server
 * process tree over the run ÷ requests; Feast's gunicorn master and workers together), which,
 * unlike latency and rate, does not grow with the load the rest of the machine puts on it.
 *
 * Run: `npx jiti bench/feature-online.bench.ts [--redis redis://127.0.0.1:56379/7] [--requests 5000]
 *       [--seconds 8] [--concurrency 16] [--feast-workers 1] [--skip-feast] [--skip-in-process]
 *       [--backends sqlite,redis] [--modes api,raw]`
 * Feast comes from `/tmp/feastenv` (or `FEAST_PYTHON`/`FEAST_BIN`). `BENCH_CPU_PROF=<dir>`: each
 * Strata bench server writes a V8 CPU profile there when it stops (where its time goes).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { join, resolve } from 'node:path'
import { Redis } from 'ioredis'
import {
  FEATURES,
  generateDriverStats,
  onlineRequestBodies,
  openFeatureStoreForBench,
} from './feature-online.setup.js'
import { processTreeCpuMs } from './process-cpu.js'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}
const redisUrl = arg('redis', process.env.STRATA_BENCH_REDIS_URL ?? 'redis://127.0.0.1:56379/7')
const requests = Number(arg('requests', '5000'))
const seconds = Number(arg('seconds', '8'))
const concurrency = Number(arg('concurrency', '16'))
const feastWorkers = arg('feast-workers', '1')
const skipFeast = process.argv.includes('--skip-feast')
const skipInProcess = process.argv.includes('--skip-in-process')
const backendNames = arg('backends', 'sqlite,redis').split(',')
const modes = arg('modes', 'api,raw').split(',')
const profileDir = process.env.BENCH_CPU_PROF
const ENTITIES = 10_000
const dir = resolve(arg('dir', '/tmp/strata-online-bench'))
const here = resolve(import.meta.dirname ?? '.')
const feastPython = process.env.FEAST_PYTHON ?? '/tmp/feastenv/bin/python'
const feastBin = process.env.FEAST_BIN ?? '/tmp/feastenv/bin/feast'
const prefix = `b${process.pid}`

interface Stats {
  p50: number
  p99: number
  mean: number
  rps: number
  count: number
  /** Server CPU microseconds per request (HTTP cases). */
  cpuUs?: number
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0
function summarize(latencies: number[], elapsedMs: number): Stats {
  const sorted = [...latencies].sort((a, b) => a - b)
  return {
    p50: pct(sorted, 50),
    p99: pct(sorted, 99),
    mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    rps: (latencies.length / elapsedMs) * 1000,
    count: latencies.length,
  }
}

/** The load generator: `concurrency` keep-alive connections posting bodies round-robin. */
async function load(
  url: string,
  body: string[],
  opts: { count?: number; ms?: number; conc: number },
): Promise<Stats> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.conc })
  const target = new URL(url)
  const latencies: number[] = []
  let sent = 0
  const post = (payload: string) =>
    new Promise<void>((done, fail) => {
      const t0 = performance.now()
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          res.resume()
          res.on('end', () => {
            if (res.statusCode !== 200) fail(new Error(`${url}: HTTP ${res.statusCode}`))
            else {
              latencies.push(performance.now() - t0)
              done()
            }
          })
        },
      )
      req.on('error', fail)
      req.end(payload)
    })
  const start = performance.now()
  const worker = async () => {
    for (;;) {
      if (opts.count !== undefined && sent >= opts.count) return
      if (opts.ms !== undefined && performance.now() - start >= opts.ms) return
      await post(body[sent++ % body.length] as string)
    }
  }
  await Promise.all(Array.from({ length: opts.conc }, worker))
  const elapsed = performance.now() - start
  agent.destroy()
  return summarize(latencies, elapsed)
}

/** {@link load} with the CPU the server process tree `pid` used per request over the run. */
async function loadWithCpu(
  pid: number,
  url: string,
  body: string[],
  opts: { count?: number; ms?: number; conc: number },
): Promise<Stats> {
  const before = processTreeCpuMs(pid)
  const stats = await load(url, body, opts)
  return { ...stats, cpuUs: ((processTreeCpuMs(pid) - before) * 1000) / Math.max(1, stats.count) }
}

async function warm(url: string, body: string[]) {
  await load(url, body, { count: 500, conc: 4 })
}

function waitForLine(child: ChildProcess): Promise<string> {
  return new Promise((done, fail) => {
    let buf = ''
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString()
      const line = buf.split('\n').find((l) => l.startsWith('{'))
      if (line) done(line)
    })
    child.on('exit', (code) => fail(new Error(`server exited with ${code}`)))
  })
}

async function waitHttp(url: string, tries = 120): Promise<void> {
  for (let i = 0; i < tries; i++) {
    try {
      const r = await fetch(url)
      if (r.status < 500) return
    } catch {}
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`${url} did not come up`)
}

const rows: string[][] = []
const record = (what: string, s: Stats) => {
  const cpu = s.cpuUs === undefined ? '' : s.cpuUs.toFixed(0)
  rows.push([what, s.p50.toFixed(3), s.p99.toFixed(3), s.mean.toFixed(3), s.rps.toFixed(0), cpu])
  console.log(
    `${what.padEnd(52)} p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms  ${s.rps.toFixed(0)} req/s${cpu === '' ? '' : `  ${cpu} µs CPU/req`}`,
  )
}

await generateDriverStats(dir, ENTITIES)
const body1 = onlineRequestBodies(1, ENTITIES)
const body100 = onlineRequestBodies(100, ENTITIES)
const backends = (
  [
    ['sqlite', `sqlite:${join(dir, `online-${prefix}.db`)}`],
    ['redis', redisUrl],
  ] as [string, string][]
).filter(([name]) => backendNames.includes(name))
for (const [name, url] of backends) {
  const { store, online, engine, metadata } = await openFeatureStoreForBench(
    dir,
    url,
    prefix,
    join(dir, `meta-${prefix}.db`),
  )
  await store.materialize()
  // In-process: the typed API, sequential calls (latency) and `concurrency` overlapping callers (throughput).
  for (const [batch, list] of skipInProcess
    ? []
    : ([
        [1, body1],
        [100, body100],
      ] as const)) {
    const requestsOf = list.map(
      (b) => (JSON.parse(b) as { entities: { driver_id: number[] } }).entities.driver_id,
    )
    const call = (i: number) =>
      store.getOnlineFeatures({
        features: FEATURES.map((f) => `driver_stats:${f}`),
        entities: { driver_id: requestsOf[i % requestsOf.length] as number[] },
      })
    for (let i = 0; i < 1000; i++) await call(i)
    const lat: number[] = []
    const t0 = performance.now()
    for (let i = 0; i < requests; i++) {
      const s = performance.now()
      await call(i)
      lat.push(performance.now() - s)
    }
    record(`in-process ${name}, ${batch} × 10 (sequential)`, summarize(lat, performance.now() - t0))
    const clat: number[] = []
    let n = 0
    const c0 = performance.now()
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() - c0 < seconds * 1000) {
          const s = performance.now()
          await call(n++)
          clat.push(performance.now() - s)
        }
      }),
    )
    record(
      `in-process ${name}, ${batch} × 10 (${concurrency} concurrent)`,
      summarize(clat, performance.now() - c0),
    )
  }
  // HTTP: the server in its own process, on the API stack and on the bare node:http fast path.
  for (const mode of modes) {
    const jitiCli = join(here, '..', 'node_modules', 'jiti', 'lib', 'jiti-cli.mjs')
    const profile =
      profileDir === undefined
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${mode}.cpuprofile`]
    const server = spawn(
      process.execPath,
      [...profile, jitiCli, join(here, 'feature-online.server.ts'), dir, url, prefix, mode],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    try {
      const { url: base } = JSON.parse(await waitForLine(server)) as { url: string }
      const endpoint = `${base}/features/online`
      for (const [batch, list] of [
        [1, body1],
        [100, body100],
      ] as const) {
        const pid = server.pid as number
        await warm(endpoint, list)
        record(
          `HTTP strata/${mode} ${name}, ${batch} × 10 (1 connection)`,
          await loadWithCpu(pid, endpoint, list, { count: requests, conc: 1 }),
        )
        record(
          `HTTP strata/${mode} ${name}, ${batch} × 10 (${concurrency} connections)`,
          await loadWithCpu(pid, endpoint, list, { ms: seconds * 1000, conc: concurrency }),
        )
      }
    } finally {
      // Wait for the exit, so a CPU profile is written before the next server starts.
      const exited = new Promise((done) => server.once('exit', done))
      server.kill('SIGTERM')
      await exited
    }
  }
  if (name === 'redis') await online.deleteNamespace(`${prefix}:driver_id`)
  await online.close()
  await engine.close()
  await metadata.close()
  rmSync(join(dir, `meta-${prefix}.db`), { force: true })
  rmSync(join(dir, `online-${prefix}.db`), { force: true })
}

if (!skipFeast) {
  const u = new URL(redisUrl)
  const feastRedis = `${u.hostname}:${u.port},db=${u.pathname.slice(1) || '0'}`
  const [repo = '', feastOnline = 'redis'] = (
    execFileSync(feastPython, [join(here, 'feature-online.feast.py'), dir, feastRedis], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .at(-1) as string
  ).split('\t')
  const port = 6566 + (process.pid % 1000)
  const feast = spawn(
    feastBin,
    [
      '-c',
      repo,
      'serve',
      '-p',
      String(port),
      '--no-access-log',
      '-w',
      feastWorkers,
      '--max-requests',
      '100000000',
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
  try {
    await waitHttp(`http://127.0.0.1:${port}/health`)
    const endpoint = `http://127.0.0.1:${port}/get-online-features`
    for (const [batch, list] of [
      [1, body1],
      [100, body100],
    ] as const) {
      const pid = feast.pid as number
      await warm(endpoint, list)
      record(
        `HTTP feast (${feastWorkers} worker) ${feastOnline}, ${batch} × 10 (1 connection)`,
        await loadWithCpu(pid, endpoint, list, { count: requests, conc: 1 }),
      )
      record(
        `HTTP feast (${feastWorkers} worker) ${feastOnline}, ${batch} × 10 (${concurrency} connections)`,
        await loadWithCpu(pid, endpoint, list, { ms: seconds * 1000, conc: concurrency }),
      )
    }
  } finally {
    feast.kill('SIGTERM')
    const redis = new Redis(redisUrl)
    // Feast's keys are binary (serialized entity key + project): match and delete them as buffers.
    const keys = await redis.keysBuffer('*bench_online*')
    if (keys.length > 0) await redis.del(...keys)
    await redis.quit()
  }
}

console.log('\n| case | p50 ms | p99 ms | mean ms | req/s | server CPU µs/req |\n|---|---|---|---|---|---|')
for (const r of rows) console.log(`| ${r.join(' | ')} |`)
