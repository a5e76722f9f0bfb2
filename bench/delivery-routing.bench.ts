/**
 * Benchmarks of progressive delivery (issue 12):
 *
 * 1. Routing overhead over HTTP: `POST /v2/models/<name>/infer` of one row on a plain
 *    deployment, a one-version deployment, a 10 % canary and a sticky 90/10 A/B split (each
 *    request a different `x-user-id`), and the primary's latency with 100 % shadow traffic; at
 *    1 and 64 connections, rounds alternating between the endpoints so machine load hits all
 *    alike (server in its own process: `delivery-routing.server.ts`).
 * 2. Sticky split accuracy: 100k distinct keys over a 90/10 split, and repeated keys.
 * 3. Time from a guard violation to traffic fully back on the champion, with a running
 *    controller (real clock, 500 ms ticks, 10 s interval): a candidate failing every call.
 *
 * Run (from the repository root):
 *   node --import jiti/register bench/delivery-routing.bench.ts [--seconds 5] [--rounds 3]
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { openStrata } from '../src/platform/index.js'
import { splitBucket, toCandidate } from '../src/serving/index.js'
import { LINEAR_PREDICTOR_TS, linearOnnx, linearSignature } from '../test/support/serving-models.js'
import { autocannonLoad, type LoadFigures } from './http-load.js'

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' } },
})
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
)

// ── 2. sticky split accuracy ───────────────────────────────────────────────────────────────────
{
  let candidate = 0
  const n = 100_000
  for (let i = 0; i < n; i++) if (toCandidate(splitBucket('flight-delay', `user-${i}`), 10)) candidate++
  let stable = 0
  for (let i = 0; i < n; i++) {
    const a = toCandidate(splitBucket('flight-delay', `user-${i}`), 10)
    const b = toCandidate(splitBucket('flight-delay', `user-${i}`), 10)
    if (a === b) stable++
  }
  const uuids = Array.from({ length: n }, () => crypto.randomUUID())
  const uuidShare = uuids.filter((k) => toCandidate(splitBucket('flight-delay', k), 10)).length / n
  console.log(
    `sticky 90/10 over ${n} keys "user-<i>": candidate ${(candidate / n) * 100} % (goal 10 ± 1); random UUID keys: ${(uuidShare * 100).toFixed(2)} %; repeated keys on the same version: ${(stable / n) * 100} %`,
  )
}

// ── 3. rollback time ───────────────────────────────────────────────────────────────────────────
{
  const dir = mkdtempSync(join(tmpdir(), 'strata-delivery-rollback-'))
  const strata = await openStrata({ cwd: dir, config: { project: 'rollback-bench' }, env: {} })
  const registry = await strata.registry()
  await registry.registerVersion('linear', { onnx: linearOnnx() })
  await registry.setAlias('linear', 'champion', 1)
  const failing = LINEAR_PREDICTOR_TS.replace(
    'const n = x.dims[0]',
    'const n = x.dims[0]; if (x.data[0] !== 0) throw new Error("broken")',
  )
  await registry.registerVersion('linear', {
    files: [{ path: 'predictor.ts', bytes: new TextEncoder().encode(failing) }],
    signature: await linearSignature(),
  })
  const server = await strata.serving()
  const controller = await strata.deliveryController({ pollMs: 500 })
  await controller.sync()
  controller.start()
  const delivery = await strata.delivery()
  const times: number[] = []
  for (let trial = 0; trial < 5; trial++) {
    await delivery.create('rb', {
      model: 'linear',
      candidate: 2,
      steps: [50],
      intervalMs: 10_000,
      guards: ['error_rate<=0.05@20'],
    })
    await controller.sync()
    const inputs = [
      { name: 'features', datatype: 'FP32' as const, shape: [1, 3], values: Float32Array.of(1, 2, 3) },
    ]
    let failures = 0
    let violatedAt = 0
    for (;;) {
      const r = await server.infer('rb', undefined, { inputs })
      if (r.deployment?.fallback === true && ++failures === 20) violatedAt = performance.now()
      if (
        violatedAt > 0 &&
        r.deployment?.role === 'champion' &&
        (await delivery.status('rb')).policy.status === 'rolled-back' &&
        controller.router('rb')?.policy?.status === 'rolled-back'
      ) {
        times.push(performance.now() - violatedAt)
        break
      }
      await new Promise((done) => setTimeout(done, 2))
    }
  }
  console.log(
    `guard violation → all traffic on the champion (5 trials, 500 ms ticks, 10 s interval): ${times.map((t) => `${t.toFixed(0)} ms`).join(', ')}`,
  )
  await strata.close()
  rmSync(dir, { recursive: true, force: true })
}

// ── 1a. routing overhead in process (ModelServer.infer, no HTTP) ───────────────────────────────
{
  const dir = mkdtempSync(join(tmpdir(), 'strata-delivery-inproc-'))
  const strata = await openStrata({ cwd: dir, config: { project: 'inproc-bench' }, env: {} })
  const registry = await strata.registry()
  await registry.registerVersion('linear', { onnx: linearOnnx() })
  await registry.registerVersion('linear', { onnx: linearOnnx() })
  await registry.setAlias('linear', 'champion', 1)
  const server = await strata.serving()
  await server.deploy('linear/1', { as: 'plain' })
  const delivery = await strata.delivery()
  const long = { intervalMs: 3_600_000, guards: ['error_rate<=0.5@1000000'] }
  await delivery.create('canary', { model: 'linear', candidate: 2, steps: [10], compareRate: 0, ...long })
  await delivery.create('ab', {
    model: 'linear',
    candidate: 2,
    strategy: 'ab',
    split: { 1: 90, 2: 10 },
    sticky: { header: 'x-user-id' },
    compareRate: 0,
    ...long,
  })
  const controller = await strata.deliveryController()
  await controller.sync()
  const inputs = [
    { name: 'features', datatype: 'FP32' as const, shape: [1, 3], values: Float32Array.of(1, 2, 3) },
  ]
  const samples = new Map<string, number[]>()
  let key = 0
  for (let block = 0; block < 20; block++) {
    for (const name of ['plain', 'canary', 'ab']) {
      const list = samples.get(name) ?? []
      for (let i = 0; i < 500; i++) {
        const t = performance.now()
        await server.infer(name, undefined, { inputs }, { headers: { 'x-user-id': `u${key++}` } })
        list.push(performance.now() - t)
      }
      samples.set(name, list)
    }
  }
  const pct = (xs: number[], p: number) =>
    [...xs].sort((a, b) => a - b)[Math.floor((xs.length * p) / 100)] as number
  const base = samples.get('plain') ?? []
  for (const name of ['plain', 'canary', 'ab']) {
    const xs = samples.get(name) ?? []
    console.log(
      `in process, 1 caller, ${xs.length} calls (comparison calls off): ${name} p50 ${pct(xs, 50).toFixed(3)} ms (Δ ${(pct(xs, 50) - pct(base, 50)).toFixed(3)}), p99 ${pct(xs, 99).toFixed(3)} ms (Δ ${(pct(xs, 99) - pct(base, 99)).toFixed(3)})`,
    )
  }
  await strata.close()
  rmSync(dir, { recursive: true, force: true })
}

// ── 1. routing overhead over HTTP ──────────────────────────────────────────────────────────────
{
  const dir = mkdtempSync(join(tmpdir(), 'strata-delivery-bench-'))
  const child = spawn(
    process.execPath,
    ['--import', 'jiti/register', 'bench/delivery-routing.server.ts', dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const url = await new Promise<string>((resolve) => {
    createInterface({ input: child.stdout }).once('line', (line) =>
      resolve((JSON.parse(line) as { url: string }).url),
    )
  })
  const body = JSON.stringify({
    inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }],
  })
  const endpoints = ['plain', 'direct', 'canary', 'ab', 'shadow']
  const results = new Map<string, LoadFigures[]>()
  let user = 0
  for (const connections of [1, 64]) {
    for (let round = 0; round < rounds; round++) {
      for (const name of endpoints) {
        const requests = [
          {
            method: 'POST' as const,
            path: `/v2/models/${name}/infer`,
            headers: { 'content-type': 'application/json' },
            body,
            setupRequest: (req: Record<string, unknown>) => ({
              ...req,
              headers: { ...(req.headers as Record<string, string>), 'x-user-id': `user-${user++}` },
            }),
          },
        ]
        const f = await autocannonLoad(
          url,
          requests as unknown as Parameters<typeof autocannonLoad>[1],
          connections,
          seconds,
        )
        const key = `${name}@${connections}`
        results.set(key, [...(results.get(key) ?? []), f])
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
  console.log('| endpoint | connections | p50 ms | p99 ms | req/s | Δp50 vs plain | Δp99 vs plain |')
  console.log('|---|---:|---:|---:|---:|---:|---:|')
  for (const connections of [1, 64]) {
    const base = results.get(`plain@${connections}`) ?? []
    const bp50 = median(base.map((f) => f.p50))
    const bp99 = median(base.map((f) => f.p99))
    for (const name of endpoints) {
      const fs = results.get(`${name}@${connections}`) ?? []
      const p50 = median(fs.map((f) => f.p50))
      const p99 = median(fs.map((f) => f.p99))
      const rps = median(fs.map((f) => f.rps))
      console.log(
        `| ${name} | ${connections} | ${p50.toFixed(3)} | ${p99.toFixed(3)} | ${rps.toFixed(0)} | ${(p50 - bp50).toFixed(3)} | ${(p99 - bp99).toFixed(3)} |`,
      )
    }
  }
  child.kill('SIGTERM')
  await new Promise((done) => child.once('exit', done))
  rmSync(dir, { recursive: true, force: true })
}
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
)
