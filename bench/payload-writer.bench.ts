/**
 * Benchmark (issue 11, payload log): how much of a logged prediction's CPU runs on the event
 * loop. In one process, `ModelServer.infer` on the linear ONNX model, sequentially, with the
 * payload log on (SQLite file, default batches) and off; per request: the main thread's CPU (the
 * event loop, from `/proc/self/task/<pid>/stat`) and the whole process's CPU (every thread: the
 * model's worker, the payload log's writer thread where there is one). CPU times are steady
 * under machine load where latency is not.
 *
 * Run: npx jiti bench/payload-writer.bench.ts --requests 20000 --rounds 2
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { openStrata } from '../src/platform/index.js'
import { linearOnnx } from '../test/support/serving-models.js'
import { processCpuMs } from './process-cpu.js'

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '2' },
  },
})
const REQUESTS = Number(args.requests)
const ROUNDS = Number(args.rounds)

/** User + system CPU milliseconds of this process's main thread (the event loop). */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}

async function run(enabled: boolean): Promise<{ main: number; all: number; logged: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-payload-writer-bench-'))
  try {
    await using strata = await openStrata({ cwd: dir, config: { project: 'bench', payloadLog: { enabled } } })
    await (await strata.registry()).registerVersion('lin', { onnx: linearOnnx() })
    const server = await strata.serving()
    await server.deploy('lin')
    const infer = (i: number) =>
      server.infer('lin', undefined, {
        inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], values: Float32Array.from([i, 1, 2]) }],
      })
    for (let i = 0; i < 2000; i++) await infer(i)
    await server.flushPayloadLog()
    const main0 = mainThreadCpuMs()
    const all0 = processCpuMs(process.pid)
    for (let i = 0; i < REQUESTS; i++) await infer(i)
    await server.flushPayloadLog()
    const main = (mainThreadCpuMs() - main0) / REQUESTS
    const all = (processCpuMs(process.pid) - all0) / REQUESTS
    const logged = enabled ? await (await strata.payloads()).count({ endpoint: 'lin' }) : 0
    return { main, all, logged }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

console.log(
  `load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
)
console.log('| payload log | round | event-loop CPU µs/request | process CPU µs/request | logged |')
console.log('|---|---:|---:|---:|---:|')
for (let r = 1; r <= ROUNDS; r++) {
  for (const enabled of r % 2 === 1 ? [false, true] : [true, false]) {
    const x = await run(enabled)
    console.log(
      `| ${enabled ? 'on' : 'off'} | ${r} | ${(x.main * 1000).toFixed(0)} | ${(x.all * 1000).toFixed(0)} | ${enabled ? x.logged : '—'} |`,
    )
  }
}
console.log(
  `load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
)
