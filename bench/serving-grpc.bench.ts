/**
 * Open Inference Protocol v2 over gRPC against REST on the same `strata server` process: the
 * linear ONNX model of the serving tests (`features` FP32 [N,3] -> `prediction` FP32 [N,1]),
 * 1 and 64 rows per request, at 1, 16 and 64 requests in flight. The server is the built CLI
 * (`strata server --grpc-port 0 --model linear`) in its own process; the load generator is this
 * process, closed-loop for both transports so they are compared alike:
 *
 * - REST: Node's `http` client on keep-alive sockets, one per request in flight, JSON tensors
 *   (`POST /v2/models/linear/infer`), and the same with the Triton binary tensor extension.
 * - gRPC: one `@grpc/grpc-js` channel (HTTP/2, the calls multiplexed as tritonclient.grpc does),
 *   `ModelInfer` with `raw_input_contents` (tritonclient's form).
 *
 * With `--python <venv python>` (`scripts/python-env.sh --serving`) the stock Triton clients run
 * the same cases too (`bench/serving-grpc.tritonclient.py`: tritonclient.grpc, which is C-core
 * gRPC, against tritonclient.http), one thread and client per request in flight.
 *
 * Every answer is checked (a broken route must not look fast). Prints one JSON line per case and
 * a markdown table. Run after `npm run build`:
 *
 *   node --import jiti/register bench/serving-grpc.bench.ts --seconds 3 --rounds 2 \
 *     --python "$(scripts/python-env.sh --serving)"
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { openStrata } from '../src/platform/index.js'
import { startStrataServer } from '../test/compat/strata-server-process.js'
import { inferenceGrpcClient, rawBytes } from '../test/support/grpc-client.js'
import { linearOnnx, linearPrediction } from '../test/support/serving-models.js'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    python: { type: 'string' },
  },
})
const SECONDS = Number(args.seconds)
const ROUNDS = Number(args.rounds)

interface Figures {
  p50: number
  p99: number
  rps: number
  count: number
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN

/** `inFlight` loops sending `once` back to back for `seconds`; latencies of every answer. */
async function closedLoop(inFlight: number, seconds: number, once: () => Promise<void>): Promise<Figures> {
  const latencies: number[] = []
  const start = performance.now()
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() - start < seconds * 1000) {
        const t0 = performance.now()
        await once()
        latencies.push(performance.now() - t0)
      }
    }),
  )
  const elapsed = (performance.now() - start) / 1000
  latencies.sort((a, b) => a - b)
  return {
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    rps: latencies.length / elapsed,
    count: latencies.length,
  }
}

/** Rows with a known answer: row i is [i % 7, 1, 2]. */
function batch(rows: number): Float32Array {
  const x = new Float32Array(rows * 3)
  for (let i = 0; i < rows; i++) x.set([i % 7, 1, 2], i * 3)
  return x
}

function check(got: ArrayLike<number>, x: Float32Array, what: string): void {
  for (let i = 0; i < got.length; i++) {
    const want = linearPrediction([x[i * 3] ?? 0, x[i * 3 + 1] ?? 0, x[i * 3 + 2] ?? 0])
    if (Math.abs((got[i] as number) - want) > 1e-4)
      throw new Error(`${what}: row ${i} is ${got[i]}, expected ${want}`)
  }
}

const dir = mkdtempSync(join(tmpdir(), 'strata-grpc-bench-'))
try {
  const cli = new URL('../bin/strata.js', import.meta.url).pathname
  execFileSync(process.execPath, [cli, '-C', dir, 'init', '--bare'], { stdio: 'ignore' })
  const strata = await openStrata({ cwd: dir, env: {} })
  await (await strata.registry()).registerVersion('linear', { onnx: linearOnnx() })
  await strata.close()
  const server = await startStrataServer(dir, {}, ['--model', 'linear', '--grpc-port', '0'])
  try {
    const rest = new URL(server.url)
    const grpc = inferenceGrpcClient(server.grpc as string)

    const restJson = (x: Float32Array, rows: number, agent: Agent) => {
      const body = Buffer.from(
        JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [rows, 3], data: [...x] }] }),
      )
      return () =>
        new Promise<void>((done, fail) => {
          const r = request(
            {
              host: rest.hostname,
              port: rest.port,
              path: '/v2/models/linear/infer',
              method: 'POST',
              agent,
              headers: { 'content-type': 'application/json', 'content-length': body.length },
            },
            (res) => {
              const chunks: Buffer[] = []
              res.on('data', (c: Buffer) => chunks.push(c))
              res.on('error', fail)
              res.on('end', () => {
                if (res.statusCode !== 200) return fail(new Error(`REST ${res.statusCode}`))
                const out = JSON.parse(Buffer.concat(chunks).toString()).outputs[0].data as number[]
                if (out.length !== rows) return fail(new Error(`REST answered ${out.length} rows`))
                check(out, x, 'REST JSON')
                done()
              })
            },
          )
          r.on('error', fail)
          r.end(body)
        })
    }

    const restBinary = (x: Float32Array, rows: number, agent: Agent) => {
      const header = Buffer.from(
        JSON.stringify({
          inputs: [
            {
              name: 'features',
              datatype: 'FP32',
              shape: [rows, 3],
              parameters: { binary_data_size: x.byteLength },
            },
          ],
          parameters: { binary_data_output: true },
        }),
      )
      const body = Buffer.concat([header, rawBytes(x)])
      return () =>
        new Promise<void>((done, fail) => {
          const r = request(
            {
              host: rest.hostname,
              port: rest.port,
              path: '/v2/models/linear/infer',
              method: 'POST',
              agent,
              headers: {
                'content-type': 'application/octet-stream',
                'content-length': body.length,
                'inference-header-content-length': header.length,
              },
            },
            (res) => {
              let n = 0
              res.on('data', (c: Buffer) => {
                n += c.length
              })
              res.on('error', fail)
              res.on('end', () => {
                const json = Number(res.headers['inference-header-content-length'])
                if (res.statusCode !== 200) return fail(new Error(`REST binary ${res.statusCode}`))
                if (n - json !== rows * 4) return fail(new Error(`REST binary answered ${n - json} bytes`))
                done()
              })
            },
          )
          r.on('error', fail)
          r.end(body)
        })
    }

    const grpcRaw = (x: Float32Array, rows: number) => {
      const req = {
        model_name: 'linear',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [rows, 3] }],
        raw_input_contents: [rawBytes(x)],
      }
      return async () => {
        const answer = await grpc.call('ModelInfer', req)
        if (answer.error !== undefined) throw answer.error
        const raw = answer.message.raw_output_contents[0] as Buffer
        if (raw.length !== rows * 4) throw new Error(`gRPC answered ${raw.length} bytes`)
      }
    }

    // every transport answers correctly before it is timed
    for (const rows of [1, 64]) {
      const x = batch(rows)
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      await restJson(x, rows, agent)()
      await restBinary(x, rows, agent)()
      agent.destroy()
      const answer = await grpc.call('ModelInfer', {
        model_name: 'linear',
        inputs: [{ name: 'features', datatype: 'FP32', shape: [rows, 3] }],
        raw_input_contents: [rawBytes(x)],
      })
      const raw = answer.message.raw_output_contents[0] as Buffer
      check(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)), x, 'gRPC')
    }

    const load = [
      loadavg()
        .map((l) => l.toFixed(1))
        .join(' '),
    ]
    const results: { client: string; transport: string; rows: number; inFlight: number; figures: Figures }[] =
      []
    for (const rows of [1, 64]) {
      const x = batch(rows)
      for (const inFlight of [1, 16, 64]) {
        for (const transport of ['REST JSON', 'REST binary', 'gRPC raw']) {
          const rounds: Figures[] = []
          for (let r = 0; r < ROUNDS; r++) {
            const agent = new Agent({ keepAlive: true, maxSockets: inFlight })
            const once =
              transport === 'REST JSON'
                ? restJson(x, rows, agent)
                : transport === 'REST binary'
                  ? restBinary(x, rows, agent)
                  : grpcRaw(x, rows)
            await closedLoop(inFlight, 0.3, once) // warm-up
            rounds.push(await closedLoop(inFlight, SECONDS, once))
            agent.destroy()
          }
          rounds.sort((a, b) => a.rps - b.rps)
          const figures = rounds[Math.floor(rounds.length / 2)] as Figures
          results.push({ client: 'node', transport, rows, inFlight, figures })
          console.log(JSON.stringify({ client: 'node', transport, rows, inFlight, ...figures }))
        }
      }
    }
    grpc.close()
    if (args.python !== undefined) {
      const script = new URL('./serving-grpc.tritonclient.py', import.meta.url).pathname
      const out = execFileSync(
        args.python,
        [script, server.grpc as string, rest.host, String(SECONDS), '1,64', '1,16'],
        { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      )
      for (const line of out.trim().split('\n')) {
        const r = JSON.parse(line) as Figures & { transport: string; rows: number; inFlight: number }
        console.log(line)
        results.push({
          client: 'tritonclient',
          transport: r.transport,
          rows: r.rows,
          inFlight: r.inFlight,
          figures: r,
        })
      }
    }
    load.push(
      loadavg()
        .map((l) => l.toFixed(1))
        .join(' '),
    )
    console.log(`\nload average (1/5/15 min) before: ${load[0]}, after: ${load[1]}\n`)
    console.log('| client | rows | in flight | transport | p50 ms | p99 ms | req/s |')
    console.log('|---|---:|---:|---|---:|---:|---:|')
    for (const r of results) {
      const f = r.figures
      console.log(
        `| ${r.client} | ${r.rows} | ${r.inFlight} | ${r.transport} | ${f.p50.toFixed(3)} | ${f.p99.toFixed(2)} | ${Math.round(f.rps).toLocaleString('en-US')} |`,
      )
    }
  } finally {
    await server.stop()
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
