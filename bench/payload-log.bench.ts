/**
 * Benchmark: the prediction payload log.
 *
 * 1. Write throughput of `PayloadStore.write` (batches of 1,000 one-row predictions, each batch
 *    one transaction with its lineage node) on SQLite and Postgres.
 * 2. Request-path overhead: in-process `ModelServer.infer` on the linear ONNX model paced at
 *    `--rate` requests/s for `--seconds`, payload log on vs off (SQLite metadata): p50/p99
 *    latency, and whether every logged prediction was written (0 dropped below the queue bound).
 *
 * Run (from the repository root; Postgres optional — a scratch database is created and dropped):
 *   npx jiti bench/payload-log.bench.ts [--rows 50000] [--rate 1000] [--seconds 10]
 *     [--postgres "$STRATA_TEST_POSTGRES_URL"]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { lineageMigrations } from '../src/data/lineage/index.js'
import { type MetadataDatabase, openMetadataDatabase, runMigrations } from '../src/db/index.js'
import { openStrata } from '../src/platform/index.js'
import {
  newPredictionId,
  PayloadStore,
  type PredictionEntry,
  servingMigrations,
} from '../src/serving/index.js'
import { testServiceContext } from '../test/support/service-context.js'
import { linearOnnx } from '../test/support/serving-models.js'
import { createScratchPostgres } from './lineage-bench-util.js'

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '50000' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    postgres: { type: 'string', default: process.env.STRATA_TEST_POSTGRES_URL ?? '' },
  },
})
const ROWS = Number(args.rows)
const RATE = Number(args.rate)
const SECONDS = Number(args.seconds)

function entry(i: number): PredictionEntry {
  const at = Date.now()
  return {
    id: newPredictionId(at),
    at,
    endpoint: 'delay',
    modelName: 'delay',
    modelVersion: 1,
    deploymentRevision: null,
    requestId: `req-${i}`,
    entityKey: { origin: 'ORD', route: `ORD-${i % 50}` },
    inputs: [
      {
        name: 'features',
        datatype: 'FP32',
        shape: [1, 8],
        values: Float32Array.from({ length: 8 }, (_, j) => i + j),
      },
    ],
    outputs: [{ name: 'prediction', datatype: 'FP32', shape: [1, 1], values: Float32Array.from([i]) }],
    latencyMs: 0.4,
    status: 'ok',
    error: null,
    featureViews: [{ name: 'airport_delays', version: 1 }],
  }
}

async function writeThroughput(name: string, md: MetadataDatabase): Promise<string> {
  await runMigrations(md, [...lineageMigrations, ...servingMigrations])
  const store = new PayloadStore(testServiceContext(md))
  const start = performance.now()
  for (let i = 0; i < ROWS; i += 1000)
    await store.write(Array.from({ length: Math.min(1000, ROWS - i) }, (_, j) => entry(i + j)))
  const s = (performance.now() - start) / 1000
  const q = performance.now()
  const n = await store.count({ endpoint: 'delay', from: 0 })
  const window = await store.query({ modelName: 'delay', modelVersion: 1, limit: 1000 })
  const qms = performance.now() - q
  return `| ${name} | ${ROWS} | ${s.toFixed(2)} s | ${Math.round(ROWS / s)} rows/s | count ${n} + 1,000-row window ${qms.toFixed(0)} ms (${window.records.length}) |`
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN
}

async function paced(enabled: boolean): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-payload-bench-'))
  try {
    await using strata = await openStrata({ cwd: dir, config: { project: 'bench', payloadLog: { enabled } } })
    const registry = await strata.registry()
    await registry.registerVersion('lin', { onnx: linearOnnx() })
    const server = await strata.serving()
    await server.deploy('lin')
    const total = RATE * SECONDS
    const latencies: number[] = []
    const started = performance.now()
    const inflight: Promise<void>[] = []
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / RATE
      const wait = due - performance.now()
      if (wait > 1) await new Promise((r) => setTimeout(r, wait))
      const t0 = performance.now()
      inflight.push(
        server
          .infer('lin', undefined, {
            inputs: [
              { name: 'features', datatype: 'FP32', shape: [1, 3], values: Float32Array.from([i, 1, 2]) },
            ],
          })
          .then(() => {
            latencies.push(performance.now() - t0)
          }),
      )
    }
    await Promise.all(inflight)
    const elapsed = (performance.now() - started) / 1000
    await server.flushPayloadLog()
    const stats = server.payloadStats()
    const logged = enabled ? await (await strata.payloads()).count({ endpoint: 'lin' }) : 0
    latencies.sort((a, b) => a - b)
    return `| ${enabled ? 'on' : 'off'} | ${total} in ${elapsed.toFixed(1)} s | ${pct(latencies, 0.5).toFixed(3)} ms | ${pct(latencies, 0.99).toFixed(3)} ms | ${enabled ? `${logged} logged, ${stats?.dropped ?? 0} dropped` : '—'} |`
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

console.log(`# payload log (${cpus().length} cores, load ${loadavg()[0]?.toFixed(1)})\n`)
console.log('| metadata | rows | time | throughput | reads |\n|---|---|---|---|---|')
{
  const dir = mkdtempSync(join(tmpdir(), 'strata-payload-bench-'))
  const md = await openMetadataDatabase({
    dialect: 'sqlite',
    location: join(dir, 'meta.db'),
    url: 'sqlite:bench',
  })
  console.log(await writeThroughput('SQLite', md))
  await md.close()
  rmSync(dir, { recursive: true, force: true })
}
if (args.postgres !== '') {
  const scratch = await createScratchPostgres(args.postgres, `payload_bench_${process.pid}`)
  const md = await openMetadataDatabase({ dialect: 'postgres', location: scratch.url, url: 'postgres:bench' })
  console.log(await writeThroughput('Postgres', md))
  await md.close()
  await scratch.drop()
}
console.log(`\n| payload log | requests (${RATE}/s) | p50 | p99 | log |\n|---|---|---|---|---|`)
for (const enabled of [false, true, false, true]) console.log(await paced(enabled))
