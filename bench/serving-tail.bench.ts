/**
 * Benchmark (issue 11): where Strata's slow answers at one connection come from. The built
 * `strata server` serves the GBDT and MLP of `serving-peers.bench.ts`; autocannon sends
 * single-row OIP v2 REST requests on one keep-alive connection, and every answer's latency is
 * kept in the order sent. Besides p50/p90/p99/p99.9 it prints where the slow answers (over
 * `--slow-ms`) fall in the payload log's batches of 100 (request index mod 100): a cause tied to
 * the batch shows as one or two positions holding most of them, noise as an even spread.
 * `--no-payload-log` serves with the payload log off (the same project, `payloadLog.enabled`
 * false) for comparison.
 *
 * ```sh
 * npm run build
 * node --import jiti/register bench/serving-tail.bench.ts --seconds 3 --rounds 2 [--no-payload-log]
 * ```
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { openStrata } from '../src/platform/index.js'
import { startStrataServer } from '../test/compat/strata-server-process.js'
import { processTreeCpuMs } from './process-cpu.js'
import { benchRows, gbdtModel, mlpModel } from './serving-peers.models.js'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    'slow-ms': { type: 'string', default: '1.5' },
    'no-payload-log': { type: 'boolean', default: false },
  },
})
const SECONDS = Number(args.seconds)
const SLOW_MS = Number(args['slow-ms'])
/** The payload log's default batch (`maxBatch`). */
const BATCH = 100

/** Latencies (ms) of `seconds` of closed-loop requests on one connection, in the order sent. */
async function latencies(url: string, body: string): Promise<number[]> {
  const out: number[] = []
  await new Promise<void>((done, fail) => {
    const instance = autocannon(
      {
        url,
        connections: 1,
        duration: SECONDS,
        requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, body }],
      },
      (err, result) => {
        if (err) fail(err)
        else if (result.non2xx > 0 || result.errors > 0) fail(new Error(`${url}: failed requests`))
        else done()
      },
    )
    instance.on('response', (_client, _status, _bytes, ms) => out.push(ms))
  })
  return out
}

const dir = mkdtempSync(join(tmpdir(), 'strata-serving-tail-'))
try {
  const project = join(dir, 'project')
  const cli = new URL('../bin/strata.js', import.meta.url).pathname
  execFileSync(process.execPath, [cli, '-C', project, 'init', '--bare'], { stdio: 'ignore' })
  if (args['no-payload-log']) {
    const config = join(project, 'strata.config.ts')
    const text = readFileSync(config, 'utf8').replace(
      'export default defineConfig({',
      'export default defineConfig({\n  payloadLog: { enabled: false },',
    )
    writeFileSync(config, text)
  }
  const models = [gbdtModel(), mlpModel()]
  const strata = await openStrata({ cwd: project, env: {} })
  for (const m of models) await (await strata.registry()).registerVersion(m.name, { onnx: m.onnx })
  await strata.close()
  const server = await startStrataServer(
    project,
    {},
    models.flatMap((m) => ['--model', m.name]),
  )
  try {
    console.log(`payload log ${args['no-payload-log'] ? 'off' : 'on'}, ${SECONDS} s per round, 1 connection`)
    console.log(
      '| model | round | requests | p50 ms | p90 ms | p99 ms | p99.9 ms | CPU ms/req | slow | slow by index mod 100 (top 4) | load |',
    )
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|')
    for (const m of models) {
      const body = JSON.stringify({
        inputs: [
          { name: 'features', datatype: 'FP32', shape: [1, m.features], data: benchRows(1, m.features) },
        ],
      })
      for (let round = 1; round <= Number(args.rounds); round++) {
        const cpu = processTreeCpuMs(server.pid)
        const times = await latencies(`${server.url}/v2/models/${m.name}/infer`, body)
        const cpuPerRequest = (processTreeCpuMs(server.pid) - cpu) / times.length
        const sorted = [...times].sort((a, b) => a - b)
        const pct = (p: number) =>
          (sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN).toFixed(
            2,
          )
        const byPosition = new Map<number, number>()
        times.forEach((ms, i) => {
          if (ms > SLOW_MS) byPosition.set(i % BATCH, (byPosition.get(i % BATCH) ?? 0) + 1)
        })
        const slow = [...byPosition.values()].reduce((a, b) => a + b, 0)
        const top = [...byPosition.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 4)
          .map(([position, n]) => `${position}: ${n}`)
          .join(', ')
        console.log(
          `| ${m.name} | ${round} | ${times.length} | ${pct(50)} | ${pct(90)} | ${pct(99)} | ${pct(99.9)} | ${cpuPerRequest.toFixed(3)} | ${slow} | ${top} | ${(loadavg()[0] ?? 0).toFixed(1)} |`,
        )
      }
    }
  } finally {
    await server.stop()
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
