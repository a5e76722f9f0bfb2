/**
 * BullMQ executor throughput (issue 10): a pipeline of independent steps that each sleep, run by
 * 1, 2 and 4 `strata worker` processes (real Redis), the engine submitting as many steps at
 * once as there are worker slots. Per worker count: wall time, throughput (steps/s, and its
 * ratio to one worker's), and dispatch latency — queued (the job's `timestamp`) to started (its
 * `processedOn`, set by the worker that took it) — p50/p99 over the run's jobs, read back from
 * Redis. Each measured run follows a warm-up run on the same workers. The coordinator keeps its
 * run state in SQLite in a temp directory. Prints one JSON line per worker count.
 *
 *   npm run build   # the workers run bin/strata.js (dist/)
 *   STRATA_BENCH_REDIS_URL=redis://127.0.0.1:6379/0 node --import jiti/register bench/pipeline-bullmq.bench.ts [--steps 200] [--sleep-ms 50] [--workers 1,2,4]
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Queue } from 'bullmq'
import { BullMqExecutor } from '../src/backends/executor/bullmq-executor.js'
import { openMetadataDatabase } from '../src/db/index.js'
import { loadPipelines } from '../src/pipelines/index.js'
import { openTestPipelineEngine } from '../test/support/pipeline-engine.js'
import { startStrataWorker } from '../test/support/strata-worker.js'

const BIN = new URL('../bin/strata.js', import.meta.url).pathname

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : (process.argv[i + 1] as string)
}

/** `n` independent steps (no inputs), each sleeping `ms`, not cached, in the worker's main thread. */
function pipelinesModule(n: number, ms: number): string {
  return `import { pipeline, step } from 'strata-ml'
const sleepy = (name: string, n: number) =>
  pipeline({
    name,
    steps: Array.from({ length: n }, (_, i) =>
      step({ name: 'sleep' + i, cache: false, isolate: false, run: () => new Promise((r) => setTimeout(() => r(i), ${ms})) }),
    ),
  })
export const warm = sleepy('warm', 8)
export const sleeps = sleepy('sleeps', ${n})
`
}

const startWorker = (dir: string, env: NodeJS.ProcessEnv) =>
  startStrataWorker(dir, env, ['--concurrency', '1'])

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number

async function main() {
  const redisUrl = process.env.STRATA_BENCH_REDIS_URL ?? process.env.STRATA_TEST_REDIS_URL
  if (redisUrl === undefined) throw new Error('set STRATA_BENCH_REDIS_URL=redis://host:port/db')
  const steps = Number(arg('steps', '200'))
  const sleepMs = Number(arg('sleep-ms', '50'))
  const counts = arg('workers', '1,2,4').split(',').map(Number)
  const dir = mkdtempSync(join(tmpdir(), 'strata-bullmq-bench-'))
  let oneWorker: number | undefined
  try {
    writeFileSync(join(dir, 'strata.config.ts'), `export default { pipelines: 'pipelines.ts' }\n`)
    writeFileSync(join(dir, 'pipelines.ts'), pipelinesModule(steps, sleepMs))
    const catalog = await loadPipelines(dir, 'pipelines.ts')
    for (const n of counts) {
      const queue = `bench-${randomBytes(4).toString('hex')}`
      const env = { ...process.env, STRATA_EXECUTOR_URL: `bullmq+${redisUrl}?queue=${queue}` }
      const workers = await Promise.all(Array.from({ length: n }, () => startWorker(dir, env)))
      const executor = new BullMqExecutor({ redisUrl, queue })
      const metadata = await openMetadataDatabase({
        dialect: 'sqlite',
        location: join(dir, `meta-${n}.db`),
        url: `sqlite:bench-${n}`,
      })
      const url = new URL(redisUrl)
      const inspect = new Queue(queue, {
        connection: {
          host: url.hostname,
          port: Number(url.port || 6379),
          db: Number(url.pathname.slice(1) || 0),
        },
        prefix: 'strata',
      })
      try {
        const { engine } = await openTestPipelineEngine(metadata, await catalog.list(), {
          executor,
          concurrency: n,
        })
        await engine.run('warm')
        const t = performance.now()
        const result = await engine.run('sleeps')
        const wallMs = performance.now() - t
        if (result.run.status !== 'succeeded') throw new Error(`run ${result.run.runId}: ${result.run.error}`)
        const jobs = (await inspect.getJobs(['completed'], 0, -1)).filter((j) =>
          j.id?.startsWith(result.run.runId),
        )
        if (jobs.length !== steps) throw new Error(`expected ${steps} completed jobs, found ${jobs.length}`)
        const latency = jobs.map((j) => (j.processedOn as number) - j.timestamp).sort((a, b) => a - b)
        const throughput = steps / (wallMs / 1000)
        oneWorker ??= n === 1 ? throughput : undefined
        console.log(
          JSON.stringify({
            workers: n,
            steps,
            sleepMs,
            wallMs: Math.round(wallMs),
            stepsPerSecond: +throughput.toFixed(1),
            idealStepsPerSecond: +((n * 1000) / sleepMs).toFixed(1),
            scaling: oneWorker === undefined ? null : +(throughput / oneWorker).toFixed(2),
            dispatchMs: { p50: percentile(latency, 50), p99: percentile(latency, 99), max: latency.at(-1) },
          }),
        )
      } finally {
        await inspect.obliterate({ force: true }).catch(() => {})
        await inspect.close()
        await executor.close()
        await metadata.close()
        for (const w of workers) w.kill('SIGTERM')
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
