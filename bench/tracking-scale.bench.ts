/**
 * Benchmark: tracking reads at scale — `strata server` (SQLite, and Postgres with `--postgres`)
 * beside `mlflow server` (SQLite) on the same data, the same REST requests, one run:
 *
 *   - `runs/search` over an experiment of 100,000 runs × 20 metrics × 20 params: metric filter +
 *     metric order; metric + param + tag filter + metric order; metric filter + param order; the
 *     default order; and a metric filter + order across 10 experiments;
 *   - the latest metrics of 10,000 runs for a runs table (10 pages of 1,000 runs);
 *   - a 1,000,000-point metric history: paged `metrics/get-history` (first page, and all 40
 *     pages of 25,000), and the downsampled history of `metrics/get-history-bulk-interval`
 *     (1,000,000 → 1,000 points; MLflow's server samples steps, Strata keeps per-span extremes).
 *
 * The data (bench/tracking-scale.data.ts) is written straight into each server's tables while
 * it runs (logging 100,000 runs through either API would take hours). Each figure is the p50
 * (and p90) of `--reps` requests, after one warm-up, in interleaved order across servers.
 *
 * Run (from the repository root; needs `npm run build` and the full mlflow venv):
 *   python=$(scripts/python-env.sh --full)
 *   node --import jiti/register bench/tracking-scale.bench.ts --mlflow "$python" \
 *     [--postgres postgres://postgres@127.0.0.1:54330/postgres] [--runs 100000] [--reps 7] [--dir /tmp/strata-scale]
 *
 * `--reuse` keeps the data a previous run with the same `--dir`, `--runs` and backends left
 * behind (its servers are restarted on it), so the requests can be timed again — e.g. on a quiet
 * machine — without the many minutes of writing it.
 *
 * `mlflow server` runs on SQLite only: its Postgres backend needs psycopg2, which the full venv
 * does not hold.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import pg from 'pg'
import { freePort } from '../test/support/free-port.js'
import {
  experimentNames,
  HISTORY_RUN_ID,
  type RowSink,
  type ScaleShape,
  writeScaleData,
} from './tracking-scale.data.js'

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..')
const { values: args } = parseArgs({
  options: {
    dir: { type: 'string', default: '/tmp/strata-scale' },
    runs: { type: 'string', default: '100000' },
    reps: { type: 'string', default: '7' },
    postgres: { type: 'string' },
    mlflow: { type: 'string' },
    'history-points': { type: 'string', default: '1000000' },
    reuse: { type: 'boolean', default: false },
  },
})
const shape: ScaleShape = {
  runs: Number(args.runs),
  smallExperiments: 9,
  smallRuns: 2000,
  metrics: 20,
  params: 20,
  historyPoints: Number(args['history-points']),
}
const REPS = Number(args.reps)

async function waitHealthy(url: string, proc: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 180_000
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}`)
    try {
      if ((await fetch(`${url}/health`)).ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`${what} was not healthy at ${url}`)
}

const procs: ChildProcess[] = []
async function startProcess(what: string, cmd: string, argv: string[], env: NodeJS.ProcessEnv, log: string) {
  const port = await freePort()
  const fd = openSync(log, 'w')
  const proc = spawn(cmd, [...argv, '--port', String(port)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
  })
  procs.push(proc)
  const url = `http://127.0.0.1:${port}`
  await waitHealthy(url, proc, what)
  return url
}

async function api(url: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(
    `${url}${path}`,
    body === undefined
      ? {}
      : {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
  )
  const text = await res.text()
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`)
  return JSON.parse(text) as Record<string, unknown>
}

function sqliteSink(file: string): RowSink & { close(): void } {
  const db = new Database(file)
  db.pragma('busy_timeout = 60000')
  const statements = new Map<string, Database.Statement>()
  return {
    async insert(table, columns, rows) {
      const key = `${table}(${columns.join(',')})`
      let st = statements.get(key)
      if (st === undefined) {
        st = db.prepare(
          `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`,
        )
        statements.set(key, st)
      }
      const s = st
      db.transaction(() => {
        for (const r of rows) s.run(r)
      })()
    },
    close: () => db.close(),
  }
}

function postgresSink(client: pg.Client): RowSink {
  return {
    async insert(table, columns, rows) {
      const per = Math.floor(60_000 / columns.length)
      for (let i = 0; i < rows.length; i += per) {
        const part = rows.slice(i, i + per)
        const values = part
          .map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`)
          .join(', ')
        await client.query(`insert into ${table} (${columns.join(', ')}) values ${values}`, part.flat())
      }
    },
  }
}

/** A server under test: its URL and its experiments (big one first). */
interface Target {
  label: string
  url: string
  experiments: string[]
}

async function createExperiments(url: string): Promise<string[]> {
  const ids = []
  for (const name of experimentNames(shape)) {
    ids.push(String((await api(url, '/api/2.0/mlflow/experiments/create', { name })).experiment_id))
  }
  return ids
}

/** The experiments of a previous run's data, by name ({@link experimentNames}). */
async function findExperiments(url: string): Promise<string[]> {
  const ids = []
  for (const name of experimentNames(shape)) {
    const r = await api(url, `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${name}`)
    ids.push(String((r.experiment as { experiment_id: string }).experiment_id))
  }
  return ids
}

/** Writes the data unless `--reuse` finds it written by an earlier run (a marker file per target). */
async function loadData(
  url: string,
  marker: string,
  write: (experiments: string[]) => Promise<void>,
): Promise<string[]> {
  if (reusable(marker)) return findExperiments(url)
  const experiments = await createExperiments(url)
  await write(experiments)
  writeFileSync(marker, JSON.stringify(shape))
  return experiments
}

/** Whether `--reuse` is on and `marker` says the data of this shape was written. */
const reusable = (marker: string) =>
  args.reuse && existsSync(marker) && readFileSync(marker, 'utf8') === JSON.stringify(shape)

async function startStrata(label: string, project: string, metadataUrl?: string): Promise<string> {
  const env = metadataUrl === undefined ? {} : { STRATA_METADATA_URL: metadataUrl }
  const cli = join(ROOT, 'bin', 'strata.js')
  if (!existsSync(project)) {
    mkdirSync(project, { recursive: true })
    execFileSync('node', [cli, '-C', project, 'init', '--bare'], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    })
  }
  return startProcess(label, 'node', [cli, '-C', project, 'server'], env, `${project}.log`)
}

const progress = (label: string) => (what: string) => {
  if (/000$/.test(what) && Number(what.split(' ')[1]) % 20_000 === 0)
    process.stderr.write(`  ${label}: ${what}\n`)
}

async function main() {
  const dir = args.dir as string
  if (!args.reuse) rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const targets: Target[] = []
  const t0 = performance.now()

  // Strata on SQLite.
  {
    const project = join(dir, 'strata-sqlite')
    const url = await startStrata('strata server (SQLite)', project)
    const experiments = await loadData(url, `${project}.data`, async (ids) => {
      const sink = sqliteSink(join(project, '.strata', 'meta.db'))
      await writeScaleData(sink, 'strata', shape, ids, progress('strata sqlite'))
      sink.close()
    })
    targets.push({ label: 'strata, SQLite', url, experiments })
  }
  // Strata on Postgres, in its own database.
  if (args.postgres !== undefined) {
    const project = join(dir, 'strata-pg')
    const marker = `${project}.data`
    if (!reusable(marker)) {
      const admin = new pg.Client(args.postgres)
      await admin.connect()
      await admin.query('drop database if exists strata_scale_bench')
      await admin.query('create database strata_scale_bench')
      await admin.end()
    }
    const dbUrl = `${args.postgres.replace(/\/[^/]*$/, '')}/strata_scale_bench`
    const url = await startStrata('strata server (Postgres)', project, dbUrl)
    const experiments = await loadData(url, marker, async (ids) => {
      const client = new pg.Client(dbUrl)
      await client.connect()
      await writeScaleData(postgresSink(client), 'strata', shape, ids, progress('strata postgres'))
      await client.query('analyze') // what autovacuum does after a bulk load
      await client.end()
    })
    targets.push({ label: 'strata, Postgres', url, experiments })
  }
  // MLflow on SQLite.
  if (args.mlflow !== undefined) {
    const db = join(dir, 'mlflow.db')
    const bin = join(dirname(args.mlflow), 'mlflow')
    const url = await startProcess(
      'mlflow server',
      bin,
      [
        'server',
        '--backend-store-uri',
        `sqlite:///${db}`,
        '--artifacts-destination',
        join(dir, 'mlartifacts'),
        '--host',
        '127.0.0.1',
      ],
      {},
      join(dir, 'mlflow.log'),
    )
    const experiments = await loadData(url, `${db}.data`, async (ids) => {
      const sink = sqliteSink(db)
      await writeScaleData(sink, 'mlflow', shape, ids, progress('mlflow sqlite'))
      sink.close()
    })
    targets.push({ label: 'mlflow, SQLite', url, experiments })
  }
  process.stderr.write(`data written in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`)

  type Case = { name: string; run: (t: Target) => Promise<number> }
  const search = (body: (t: Target) => Record<string, unknown>) => async (t: Target) => {
    const r = await api(t.url, '/api/2.0/mlflow/runs/search', body(t))
    return ((r.runs as unknown[] | undefined) ?? []).length
  }
  const cases: Case[] = [
    {
      name: `search: metrics.m1 > 0.5, order metrics.m2 DESC (${shape.runs.toLocaleString('en')} runs)`,
      run: search((t) => ({
        experiment_ids: [t.experiments[0]],
        filter: 'metrics.m1 > 0.5',
        order_by: ['metrics.m2 DESC'],
        max_results: 100,
      })),
    },
    {
      name: 'search: metric + param + tag filter, order metrics.m2 DESC',
      run: search((t) => ({
        experiment_ids: [t.experiments[0]],
        filter: "metrics.m1 > 0.5 and params.p1 = 'v3' and tags.`mlflow.user` = 'bench'",
        order_by: ['metrics.m2 DESC'],
        max_results: 100,
      })),
    },
    {
      name: 'search: metrics.m3 < 0.2, order params.p4 ASC',
      run: search((t) => ({
        experiment_ids: [t.experiments[0]],
        filter: 'metrics.m3 < 0.2',
        order_by: ['params.p4 ASC'],
        max_results: 100,
      })),
    },
    {
      name: "search: params.p1 = 'v3', default order",
      run: search((t) => ({
        experiment_ids: [t.experiments[0]],
        filter: "params.p1 = 'v3'",
        max_results: 100,
      })),
    },
    {
      name: 'search: 10 experiments, metrics.m1 > 0.5, order metrics.m2 DESC',
      run: search((t) => ({
        experiment_ids: t.experiments,
        filter: 'metrics.m1 > 0.5',
        order_by: ['metrics.m2 DESC'],
        max_results: 100,
      })),
    },
    {
      name: 'runs table: latest metrics of 10,000 runs (10 pages of 1,000)',
      run: async (t) => {
        let n = 0
        let page_token: string | undefined
        for (let i = 0; i < 10; i++) {
          const r = await api(t.url, '/api/2.0/mlflow/runs/search', {
            experiment_ids: [t.experiments[0]],
            max_results: 1000,
            ...(page_token ? { page_token } : {}),
          })
          n += (r.runs as unknown[]).length
          page_token = r.next_page_token as string | undefined
          if (page_token === undefined) break
        }
        return n
      },
    },
    {
      name: `history: first page of 25,000 of ${shape.historyPoints.toLocaleString('en')} points`,
      run: async (t) => {
        const r = await api(
          t.url,
          `/api/2.0/mlflow/metrics/get-history?run_id=${HISTORY_RUN_ID}&metric_key=loss&max_results=25000`,
        )
        return (r.metrics as unknown[]).length
      },
    },
    {
      name: `history: downsampled ${shape.historyPoints.toLocaleString('en')} → 1,000 (get-history-bulk-interval)`,
      run: async (t) => {
        const r = await api(
          t.url,
          `/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=${HISTORY_RUN_ID}&metric_key=loss&max_results=1000`,
        )
        return (r.metrics as unknown[]).length
      },
    },
  ]
  const pagedAll: Case = {
    name: `history: all ${shape.historyPoints.toLocaleString('en')} points in pages of 25,000 (one pass)`,
    run: async (t) => {
      let n = 0
      let token: string | undefined
      do {
        const r = await api(
          t.url,
          `/api/2.0/mlflow/metrics/get-history?run_id=${HISTORY_RUN_ID}&metric_key=loss&max_results=25000${token ? `&page_token=${encodeURIComponent(token)}` : ''}`,
        )
        n += (r.metrics as unknown[]).length
        token = r.next_page_token as string | undefined
      } while (token)
      return n
    },
  }

  const results: Record<
    string,
    Record<string, { p50: number; p90: number; n: number } | { error: string }>
  > = {}
  for (const c of [...cases, pagedAll]) {
    const row: Record<string, { p50: number; p90: number; n: number } | { error: string }> = {}
    results[c.name] = row
    const reps = c === pagedAll ? 1 : REPS
    const times: Record<string, number[]> = {}
    const counts: Record<string, number> = {}
    const failed: Record<string, string> = {}
    for (const t of targets) {
      // Warm-up, tried twice: the first request after the data load may meet a kept-alive
      // socket the server closed while this process's event loop was busy writing rows.
      for (let attempt = 1; attempt <= 2 && c !== pagedAll; attempt++) {
        try {
          await c.run(t)
          delete failed[t.label]
          break
        } catch (err) {
          failed[t.label] = (err as Error).message.slice(0, 120)
        }
      }
    }
    for (let i = 0; i < reps; i++) {
      for (const t of i % 2 === 0 ? targets : [...targets].reverse()) {
        if (failed[t.label]) continue
        const s = performance.now()
        try {
          counts[t.label] = await c.run(t)
          const list = times[t.label] ?? []
          list.push(performance.now() - s)
          times[t.label] = list
        } catch (err) {
          failed[t.label] = (err as Error).message.slice(0, 120)
        }
      }
    }
    for (const t of targets) {
      const ts = (times[t.label] ?? []).sort((a, b) => a - b)
      row[t.label] = failed[t.label]
        ? { error: failed[t.label] as string }
        : {
            p50: ts[Math.floor((ts.length - 1) / 2)] as number,
            p90: ts[Math.min(ts.length - 1, Math.ceil(ts.length * 0.9) - 1)] as number,
            n: counts[t.label] as number,
          }
    }
    process.stderr.write(`  ${c.name}: ${JSON.stringify(row)}\n`)
  }

  const labels = targets.map((t) => t.label)
  const mlflowLabel = labels.find((l) => l.startsWith('mlflow'))
  const la = loadavg()
  console.log(
    `\n${shape.runs.toLocaleString('en')} runs (+${shape.smallExperiments} × ${shape.smallRuns.toLocaleString('en')}) × ${shape.metrics} metrics × ${shape.params} params; history ${shape.historyPoints.toLocaleString('en')} points; ` +
      `p50 / p90 ms of ${REPS} requests; node ${process.version}; ${cpus().length} CPUs; load average at the end ${la.map((x) => x.toFixed(1)).join(' ')}\n`,
  )
  console.log(`| request | ${labels.join(' | ')}${mlflowLabel ? ' | strata SQLite vs mlflow' : ''} |`)
  console.log(`|---|${labels.map(() => '---:|').join('')}${mlflowLabel ? '---:|' : ''}`)
  for (const [name, row] of Object.entries(results)) {
    const cells = labels.map((l) => {
      const r = row[l]
      return r === undefined
        ? ''
        : 'error' in r
          ? `error: ${r.error}`
          : `${r.p50.toFixed(1)} / ${r.p90.toFixed(1)} (${r.n})`
    })
    const s = row['strata, SQLite']
    const m = mlflowLabel ? row[mlflowLabel] : undefined
    const ratio = s && m && 'p50' in s && 'p50' in m ? `${(m.p50 / s.p50).toFixed(1)}×` : ''
    console.log(`| ${name} | ${cells.join(' | ')}${mlflowLabel ? ` | ${ratio}` : ''} |`)
  }
  console.log(`\n${JSON.stringify({ shape, load: la, results })}`)
}

try {
  await main()
} finally {
  for (const p of procs) p.kill('SIGTERM')
}
