/**
 * Benchmark (issue 11): `strata server` against MLServer and KServe's Python model server on the
 * same ONNX models (bench/serving-peers.models.ts: the demo-shaped GBDT and a small MLP), same
 * machine, same load generator (autocannon, keep-alive, closed loop), REST JSON Open Inference
 * Protocol v2, 1 and 64 rows per request at 1, 16 and 64 connections, interleaved rounds.
 *
 * - Strata: the built CLI, `strata server --model gbdt --model mlp` (worker-thread runtimes), and
 *   a second server with dynamic batching (`--max-batch-size 64`) for the batching table.
 * - MLServer 1.7.1 with a custom runtime running the same ONNX file in onnxruntime
 *   (bench/serving-peers.mlserver.py; MLServer ships no ONNX runtime), its default settings.
 * - KServe 0.21.0: a `kserve.Model` wrapping onnxruntime (bench/serving-peers.kserve.py),
 *   `kserve.ModelServer` with its defaults.
 * - The load generator's floor (bench/serving-floor.server.mjs): a bare `node:http` server that
 *   answers at once with Strata's own answer to the same body, canned. Its throughput is the
 *   most any server can show with this client on this machine, so `floor ÷ best peer` is the
 *   highest ratio reachable in that case, and Strata's p50 minus the floor's is its time beyond
 *   the client's own.
 *
 * Every server's answer to the same rows is checked against an in-process onnxruntime-node call
 * before any load (a broken route must not look fast). Per case: p50/p99 latency, requests/s,
 * rows/s and the server's CPU per request (its process tree, from /proc: steady under machine
 * load where latency is not). Strata's own overhead is its p50 at one connection minus the p50 of
 * a direct in-process `session.run` on the same rows. Peers are benchmark-only, never in CI.
 *
 * Run (npm run build first):
 *   node --import jiti/register bench/serving-peers.bench.ts --seconds 3 --rounds 2 \
 *     --mlserver "$(scripts/python-env.sh --mlserver-bench)" --kserve "$(scripts/python-env.sh --kserve-bench)"
 *
 * Without `--mlserver` / `--kserve` that peer is left out (Strata alone, with its batching table).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import * as ort from 'onnxruntime-node'
import { openStrata } from '../src/platform/index.js'
import { startStrataServer } from '../test/compat/strata-server-process.js'
import { autocannonLoad, type LoadFigures } from './http-load.js'
import { processTreeCpuMs } from './process-cpu.js'
import { type BenchModel, benchRows, gbdtModel, mlpModel } from './serving-peers.models.js'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '1,16,64' },
    rows: { type: 'string', default: '1,64' },
    mlserver: { type: 'string' },
    kserve: { type: 'string' },
  },
})
const SECONDS = Number(args.seconds)
const ROUNDS = Number(args.rounds)
const CONNECTIONS = (args.connections as string).split(',').map(Number)
const ROWS = (args.rows as string).split(',').map(Number)

/** A server under test: where it answers and which process tree does its work. */
interface Target {
  name: string
  url: string
  pid: number
  stop(): Promise<void>
}

interface Sample extends LoadFigures {
  cpuMsPerRequest: number
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 180_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited (${child.exitCode}):\n${log()}`)
    try {
      if ((await fetch(`${url}/v2/health/ready`)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`${url}: not ready after 180 s:\n${log()}`)
}

function spawnPeer(name: string, cmd: string, argv: string[], cwd: string, port: number): Promise<Target> {
  const child = spawn(cmd, argv, {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  })
  let log = ''
  child.stderr?.on('data', (c: Buffer) => {
    log = (log + c.toString()).slice(-20_000)
  })
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
  return waitReady(url, child, () => log).then(() => ({ name, url, pid: child.pid as number, stop }))
}

async function startMlserver(python: string, dir: string, models: BenchModel[]): Promise<Target> {
  const repo = join(dir, 'mlserver')
  const port = await freePort()
  mkdirSync(repo, { recursive: true })
  writeFileSync(
    join(repo, 'settings.json'),
    JSON.stringify({ http_port: port, grpc_port: await freePort(), metrics_port: await freePort() }),
  )
  for (const m of models) {
    const modelDir = join(repo, m.name)
    mkdirSync(modelDir, { recursive: true })
    copyFileSync(
      new URL('./serving-peers.mlserver.py', import.meta.url).pathname,
      join(modelDir, 'onnx_runtime.py'),
    )
    writeFileSync(
      join(modelDir, 'model-settings.json'),
      JSON.stringify({
        name: m.name,
        implementation: 'onnx_runtime.OnnxRuntime',
        parameters: { uri: join(dir, `${m.name}.onnx`) },
      }),
    )
  }
  return spawnPeer('mlserver', join(dirname(python), 'mlserver'), ['start', repo], repo, port)
}

async function startKserve(python: string, dir: string, models: BenchModel[]): Promise<Target> {
  const port = await freePort()
  const script = new URL('./serving-peers.kserve.py', import.meta.url).pathname
  const specs = models.map((m) => `${m.name}=${join(dir, `${m.name}.onnx`)}`)
  return spawnPeer('kserve', python, [script, String(port), String(await freePort()), ...specs], dir, port)
}

/**
 * Starts the client's floor with Strata's answers (from `strata`) to every body the bench sends,
 * canned by model and body length.
 */
async function startFloor(strata: Target, dir: string, models: BenchModel[]): Promise<Target> {
  const answers: Record<string, string> = {}
  for (const m of models)
    for (const rows of new Set([3, ...ROWS])) {
      const body = inferBody(m, rows)
      const res = await fetch(`${strata.url}/v2/models/${m.name}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      if (!res.ok) throw new Error(`strata ${m.name} ${rows} rows: ${res.status} ${await res.text()}`)
      answers[`${m.name}|${Buffer.byteLength(body)}`] = await res.text()
    }
  const file = join(dir, 'floor-answers.json')
  writeFileSync(file, JSON.stringify(answers))
  const port = await freePort()
  const script = new URL('./serving-floor.server.mjs', import.meta.url).pathname
  return spawnPeer('floor', process.execPath, [script, String(port), file], dir, port)
}

function inferBody(model: BenchModel, rows: number): string {
  return JSON.stringify({
    inputs: [
      {
        name: 'features',
        datatype: 'FP32',
        shape: [rows, model.features],
        data: benchRows(rows, model.features),
      },
    ],
  })
}

/** The model's main output (the one every server must agree on). */
const MAIN_OUTPUT: Record<BenchModel['name'], string> = { gbdt: 'probabilities', mlp: 'probability' }

async function checkAnswers(target: Target, model: BenchModel, expected: Float32Array): Promise<void> {
  const res = await fetch(`${target.url}/v2/models/${model.name}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: inferBody(model, 3),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${target.name} ${model.name}: ${res.status} ${text}`)
  const outputs = (JSON.parse(text) as { outputs: { name: string; data: number[] }[] }).outputs
  const got = outputs.find((o) => o.name === MAIN_OUTPUT[model.name])?.data.flat()
  if (got === undefined || got.length !== expected.length)
    throw new Error(
      `${target.name} ${model.name}: no ${MAIN_OUTPUT[model.name]} of ${expected.length} values in ${text}`,
    )
  got.forEach((v, i) => {
    if (Math.abs(v - (expected[i] as number)) > 1e-5)
      throw new Error(`${target.name} ${model.name}: value ${i} is ${v}, onnxruntime says ${expected[i]}`)
  })
}

async function measure(
  target: Target,
  model: BenchModel,
  rows: number,
  connections: number,
): Promise<Sample> {
  const before = processTreeCpuMs(target.pid)
  const figures = await autocannonLoad(
    `${target.url}/v2/models/${model.name}/infer`,
    [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: inferBody(model, rows) }],
    connections,
    SECONDS,
  )
  const cpu = processTreeCpuMs(target.pid) - before
  return { ...figures, cpuMsPerRequest: cpu / figures.count }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

function summarize(samples: Sample[]): Sample {
  return {
    p50: median(samples.map((s) => s.p50)),
    p99: median(samples.map((s) => s.p99)),
    rps: median(samples.map((s) => s.rps)),
    count: samples.reduce((n, s) => n + s.count, 0),
    cpuMsPerRequest: median(samples.map((s) => s.cpuMsPerRequest)),
  }
}

/** p50 of `session.run` on `rows` rows in this process: the floor a server adds its overhead to. */
async function directP50(model: BenchModel, rows: number): Promise<number> {
  const session = await ort.InferenceSession.create(model.onnx)
  const feeds = {
    features: new ort.Tensor('float32', new Float32Array(benchRows(rows, model.features)), [
      rows,
      model.features,
    ]),
  }
  for (let i = 0; i < 200; i++) await session.run(feeds)
  const times: number[] = []
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now()
    await session.run(feeds)
    times.push(performance.now() - t0)
  }
  await session.release()
  return median(times)
}

const fmt = (n: number, digits = 2) => n.toFixed(digits)

const dir = mkdtempSync(join(tmpdir(), 'strata-serving-peers-'))
const targets: Target[] = []
try {
  console.error(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  )
  const models = [gbdtModel(), mlpModel()]
  const expected = new Map<string, Float32Array>()
  for (const m of models) {
    writeFileSync(join(dir, `${m.name}.onnx`), m.onnx)
    const session = await ort.InferenceSession.create(m.onnx)
    const out = await session.run({
      features: new ort.Tensor('float32', new Float32Array(benchRows(3, m.features)), [3, m.features]),
    })
    expected.set(m.name, out[MAIN_OUTPUT[m.name]]?.data as Float32Array)
    await session.release()
  }

  const project = join(dir, 'project')
  const cli = new URL('../bin/strata.js', import.meta.url).pathname
  execFileSync(process.execPath, [cli, '-C', project, 'init', '--bare'], { stdio: 'ignore' })
  const strata = await openStrata({ cwd: project, env: {} })
  for (const m of models) await (await strata.registry()).registerVersion(m.name, { onnx: m.onnx })
  await strata.close()
  const modelArgs = models.flatMap((m) => ['--model', m.name])
  const plain = await startStrataServer(project, {}, modelArgs)
  targets.push({ name: 'strata', url: plain.url, pid: plain.pid, stop: plain.stop })
  const batching = await startStrataServer(project, {}, [...modelArgs, '--max-batch-size', '64'])
  const strataBatching: Target = {
    name: 'strata, batching',
    url: batching.url,
    pid: batching.pid,
    stop: batching.stop,
  }
  targets.push(strataBatching)
  if (args.mlserver) targets.push(await startMlserver(args.mlserver, dir, models))
  if (args.kserve) targets.push(await startKserve(args.kserve, dir, models))
  const floor = await startFloor(targets[0] as Target, dir, models)
  targets.push(floor)
  for (const t of targets)
    for (const m of models) await checkAnswers(t, m, expected.get(m.name) as Float32Array)
  console.error(`answers checked on ${targets.map((t) => t.name).join(', ')}`)

  const peers = targets.filter((t) => t !== strataBatching && t !== floor)
  // warm-up: every server, model and size once, not counted
  for (const t of targets) for (const m of models) for (const r of ROWS) await measure(t, m, r, 4)

  type Key = string
  const samples = new Map<Key, Sample[]>()
  const key = (t: string, m: string, r: number, c: number) => `${t}|${m}|${r}|${c}`
  for (let round = 0; round < ROUNDS; round++) {
    for (const m of models)
      for (const r of ROWS)
        for (const c of CONNECTIONS) {
          const order = round % 2 === 0 ? peers : [...peers].reverse()
          const batch = r === 1 && c === Math.max(...CONNECTIONS) ? [strataBatching] : []
          for (const t of [...order, ...batch, floor]) {
            const s = await measure(t, m, r, c)
            const k = key(t.name, m.name, r, c)
            samples.set(k, [...(samples.get(k) ?? []), s])
            console.error(
              `round ${round + 1} ${t.name} ${m.name} ${r} row(s) ${c} conn: p50 ${fmt(s.p50)} p99 ${fmt(s.p99)} ms, ${fmt(s.rps, 0)} req/s, ${fmt(s.cpuMsPerRequest, 3)} ms CPU/req`,
            )
          }
        }
  }

  const direct = new Map<string, number>()
  for (const m of models) for (const r of ROWS) direct.set(`${m.name}|${r}`, await directP50(m, r))

  console.log(
    `\n${SECONDS} s × ${ROUNDS} rounds per case (medians); load average at end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  )
  console.log(
    '| model | rows/request | connections | server | p50 ms | p99 ms | req/s | rows/s | server CPU ms/request | throughput vs best peer |',
  )
  console.log('|---|---:|---:|---|---:|---:|---:|---:|---:|---:|')
  const results: Record<string, Sample & { ratio: number | undefined }> = {}
  for (const m of models)
    for (const r of ROWS)
      for (const c of CONNECTIONS) {
        const rows = peers.map((t) => ({ t, s: summarize(samples.get(key(t.name, m.name, r, c)) ?? []) }))
        const bestPeer = Math.max(...rows.filter((x) => x.t.name !== 'strata').map((x) => x.s.rps), 0)
        const batch = samples.get(key(strataBatching.name, m.name, r, c))
        if (batch) rows.push({ t: strataBatching, s: summarize(batch) })
        rows.push({ t: floor, s: summarize(samples.get(key(floor.name, m.name, r, c)) ?? []) })
        for (const { t, s } of rows) {
          // the floor's ratio is the highest any server can reach in this case with this client
          const ratio =
            (t.name.startsWith('strata') || t === floor) && bestPeer > 0 ? s.rps / bestPeer : undefined
          results[key(t.name, m.name, r, c)] = { ...s, ratio }
          console.log(
            `| ${m.name} | ${r} | ${c} | ${t.name} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.rps, 0)} | ${fmt(s.rps * r, 0)} | ${fmt(s.cpuMsPerRequest, 3)} | ${ratio === undefined ? '' : `${fmt(ratio)}×`} |`,
          )
        }
      }
  console.log(
    '\nStrata overhead at one connection: server p50 minus an in-process session.run p50; beyond the floor: also minus the client floor p50',
  )
  console.log(
    '| model | rows | in-process session.run p50 ms | strata server p50 ms | floor p50 ms | overhead ms | overhead beyond the floor ms |',
  )
  console.log('|---|---:|---:|---:|---:|---:|---:|')
  for (const m of models)
    for (const r of ROWS) {
      const d = direct.get(`${m.name}|${r}`) as number
      const c = Math.min(...CONNECTIONS)
      const s = results[key('strata', m.name, r, c)]
      const f = results[key(floor.name, m.name, r, c)]
      if (s && f)
        console.log(
          `| ${m.name} | ${r} | ${fmt(d, 3)} | ${fmt(s.p50, 3)} | ${fmt(f.p50, 3)} | ${fmt(s.p50 - d, 3)} | ${fmt(s.p50 - f.p50 - d, 3)} |`,
        )
    }
  console.log(JSON.stringify({ load: loadavg(), results, direct: Object.fromEntries(direct) }))
} finally {
  for (const t of targets) await t.stop().catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
}
