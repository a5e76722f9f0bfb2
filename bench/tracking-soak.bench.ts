/**
 * Benchmark: `strata server`'s memory under a sustained logging soak (issue 16's "memory of the
 * server flat under a 10-minute logging soak").
 *
 * Starts `strata server` on a fresh embedded project (SQLite), then `--clients` loops log over
 * HTTP for `--minutes` without pause, the way training jobs do: each loop creates a run, logs
 * 50 batches of 100 metrics and 200 single `log-metric` calls into it, finishes it, and starts
 * the next. Every 10 s the server's resident set is sampled from /proc, split into anonymous
 * memory (heap and native allocations: what a leak grows) and mapped files (SQLite's mmap of the
 * database, which grows with the file by design). The report gives both per minute, requests per
 * minute, and the least-squares slope of the per-minute floor of anonymous memory over the second
 * half of the soak: flat means a slope near 0 MiB/min.
 *
 * Run (from the repository root, after `npm run build`):
 *   node --import jiti/register bench/tracking-soak.bench.ts [--minutes 10] [--clients 4] [--dir /tmp/strata-soak]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdirSync, openSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { freePort } from '../test/support/free-port.js'

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..')
const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    clients: { type: 'string', default: '4' },
    dir: { type: 'string', default: '/tmp/strata-soak' },
  },
})
const MINUTES = Number(args.minutes)
const CLIENTS = Number(args.clients)
const SAMPLE_MS = 10_000

/**
 * The server's resident memory in MiB: `anon` is the JS heap and native allocations (what a leak
 * grows), `file` the pages of mapped files — SQLite reads the database through a 1 GiB mmap, so
 * that part grows with the database file, by design, and the kernel can drop it at any time.
 */
function rss(pid: number): { anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0)
  return { anon: kb('RssAnon') / 1024, file: (kb('RssFile') + kb('RssShmem')) / 1024 }
}

async function post(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 200)}`)
  return JSON.parse(text) as Record<string, unknown>
}

/** Least-squares slope of y over x. */
function slope(points: readonly [number, number][]): number {
  const n = points.length
  const mx = points.reduce((s, [x]) => s + x, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0)
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0)
  return sxx === 0 ? 0 : sxy / sxx
}

async function main() {
  const dir = args.dir as string
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const cli = join(ROOT, 'bin', 'strata.js')
  execFileSync('node', [cli, '-C', dir, 'init', '--bare'], { stdio: 'ignore' })
  const port = await freePort()
  const log = openSync(join(dir, 'server.log'), 'w')
  const server: ChildProcess = spawn('node', [cli, '-C', dir, 'server', '--port', String(port)], {
    stdio: ['ignore', log, log],
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break
    } catch {}
    if (i > 300 || server.exitCode !== null) throw new Error('strata server did not start')
    await new Promise((r) => setTimeout(r, 200))
  }
  const pid = server.pid as number
  const experimentId = String((await post(url, 'experiments/create', { name: 'soak' })).experiment_id)

  const endAt = Date.now() + MINUTES * 60_000
  const t0 = Date.now()
  let requests = 0
  let failures = 0
  const client = async (c: number) => {
    let runNo = 0
    while (Date.now() < endAt) {
      const created = await post(url, 'runs/create', {
        experiment_id: experimentId,
        run_name: `c${c}-r${runNo++}`,
        start_time: Date.now(),
      })
      const runId = (created.run as { info: { run_id: string } }).info.run_id
      requests++
      for (let b = 0; b < 50 && Date.now() < endAt; b++) {
        const now = Date.now()
        const metrics = Array.from({ length: 100 }, (_, k) => ({
          key: `m${k % 20}`,
          value: Math.random(),
          timestamp: now,
          step: b * 5 + Math.floor(k / 20),
        }))
        try {
          await post(url, 'runs/log-batch', { run_id: runId, metrics })
        } catch {
          failures++
        }
        requests++
        for (let m = 0; m < 4; m++) {
          try {
            await post(url, 'runs/log-metric', {
              run_id: runId,
              key: 'loss',
              value: Math.random(),
              timestamp: Date.now(),
              step: b * 4 + m,
            })
          } catch {
            failures++
          }
          requests++
        }
      }
      await post(url, 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() })
      requests++
    }
  }

  const samples: { minute: number; anon: number; file: number; requests: number }[] = []
  const sample = () => {
    samples.push({ minute: (Date.now() - t0) / 60_000, ...rss(pid), requests })
    const last = samples.at(-1) as (typeof samples)[number]
    process.stderr.write(
      `  ${last.minute.toFixed(1)} min: RSS anon ${last.anon.toFixed(1)} MiB, file ${last.file.toFixed(1)} MiB, ${requests.toLocaleString('en')} requests\n`,
    )
  }
  sample()
  const sampler = setInterval(sample, SAMPLE_MS)
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)))
  clearInterval(sampler)
  sample()
  server.kill('SIGINT')

  // Per minute, the lowest anonymous RSS sampled: the floor after garbage collection, which a
  // leak raises (the peaks between collections only say when the collector last ran).
  const floors: [number, number][] = []
  for (let m = 1; m <= MINUTES; m++) {
    const inMinute = samples.filter((s) => s.minute > m - 1 && s.minute <= m + 1e-9)
    if (inMinute.length > 0) floors.push([m, Math.min(...inMinute.map((s) => s.anon))])
  }
  const secondHalf = floors.filter(([m]) => m > MINUTES / 2)
  const la = loadavg()
  console.log(
    `\n${MINUTES} min soak, ${CLIENTS} clients, ${requests.toLocaleString('en')} requests (${failures} failed); node ${process.version}; ${cpus().length} CPUs; load average at the end ${la.map((x) => x.toFixed(1)).join(' ')}\n`,
  )
  console.log(
    '| minute | anon RSS, lowest (MiB) | anon RSS, highest | mapped files (SQLite mmap) | requests in the minute |',
  )
  console.log('|---:|---:|---:|---:|---:|')
  let prevRequests = 0
  for (let m = 1; m <= MINUTES; m++) {
    const inMinute = samples.filter((s) => s.minute > m - 1 && s.minute <= m + 1e-9)
    const last = inMinute.at(-1)
    if (last === undefined) continue
    const anon = inMinute.map((s) => s.anon)
    console.log(
      `| ${m} | ${Math.min(...anon).toFixed(1)} | ${Math.max(...anon).toFixed(1)} | ${last.file.toFixed(1)} | ${(last.requests - prevRequests).toLocaleString('en')} |`,
    )
    prevRequests = last.requests
  }
  console.log(
    `\npeak anon RSS ${Math.max(...samples.map((s) => s.anon)).toFixed(1)} MiB; slope of the per-minute floor over the second half ${slope(secondHalf).toFixed(2)} MiB/min`,
  )
}

await main()
