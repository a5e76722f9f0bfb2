/**
 * Pipeline engine overhead on the local executor: a chain of no-op steps, a fan-out of no-op
 * steps with one fan-in, and a fully cached re-run of a 100-step chain. SQLite metadata and a
 * file blob store in a temp directory (the embedded defaults). Prints one JSON line per case.
 *
 * The `threads` cases run the same no-op chain loaded from a module file, so its steps run on
 * worker threads (the default for TypeScript steps) and as `isolate: false` (in the engine's
 * thread), after a warm-up run that starts the threads.
 *
 *   node --import jiti/register bench/pipeline-local.bench.ts [--chain 1000] [--fanout 2000] [--map 1000] [--cached 100] [--threaded 300]
 *
 * `--map N` adds a fan-out written as a `mapStep` over a list (the shape bench/pipeline-peers.bench.py
 * runs on Prefect and Dagster).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FsBlobStore } from '../src/backends/blob/fs-blob-store.js'
import { LocalExecutor } from '../src/backends/executor/index.js'
import { openMetadataDatabase } from '../src/db/index.js'
import {
  createStepHandler,
  loadPipelines,
  mapStep,
  overParam,
  type Pipeline,
  pipeline,
  type Step,
  StepThreadPool,
  step,
} from '../src/pipelines/index.js'
import { openTestPipelineEngine } from '../test/support/pipeline-engine.js'

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : Number(process.argv[i + 1])
}

function chain(name: string, n: number): Pipeline {
  const steps: Step<string, number>[] = []
  for (let i = 0; i < n; i++) {
    const prev = steps[i - 1]
    steps.push(
      prev === undefined
        ? step({ name: `s${i}`, run: () => 0 })
        : step({ name: `s${i}`, inputs: { prev }, run: (_c, { prev }) => prev + 1 }),
    )
  }
  return pipeline({ name, steps })
}

function fanout(name: string, n: number): Pipeline {
  const root = step({ name: 'root', run: () => 1 })
  const leaves = Array.from({ length: n }, (_, i) =>
    step({ name: `leaf${i}`, inputs: { root }, run: (_c, { root }) => root + i }),
  )
  const inputs = Object.fromEntries(leaves.map((l) => [l.name, l]))
  const collect = step({ name: 'collect', inputs, run: (_c, values) => Object.keys(values).length })
  return pipeline({ name, steps: [root, ...leaves, collect] })
}

/** A mapped fan-out: one root, `mapStep` over a list param of n items, one fan-in (the peers' `map`). */
function mapped(name: string, n: number): Pipeline {
  const root = step({ name: 'root', run: () => 1 })
  const leaf = mapStep({
    name: 'leaf',
    over: overParam<number>('items'),
    inputs: { root },
    run: (_c, i, { root }) => root + i,
  })
  const collect = step({ name: 'collect', inputs: { leaf }, run: (_c, { leaf }) => leaf.length })
  return pipeline({
    name,
    params: { items: Array.from({ length: n }, (_, i) => i) },
    steps: [root, leaf, collect],
  })
}

/** The same chain from a module file: steps on worker threads, and with `isolate: false`. */
async function threaded(
  dir: string,
  n: number,
  measure: (label: string, steps: number, fn: () => Promise<unknown>) => Promise<void>,
) {
  writeFileSync(
    join(dir, 'pipelines.ts'),
    `import { pipeline, step } from 'strata-ml'
const chain = (name: string, n: number, isolate: boolean) => {
  const steps: any[] = []
  for (let i = 0; i < n; i++) {
    const prev = steps[i - 1]
    steps.push(prev === undefined
      ? step({ name: 's' + i, isolate, cache: false, run: () => 0 })
      : step({ name: 's' + i, isolate, cache: false, inputs: { prev }, run: (_c, { prev }) => (prev as number) + 1 }))
  }
  return pipeline({ name, steps })
}
export const warm = chain('warm', 4, true)
export const threads = chain('threads', ${n}, true)
export const inline = chain('inline', ${n}, false)
`,
  )
  const catalog = await loadPipelines(dir, 'pipelines.ts')
  const pool = new StepThreadPool({ threads: 2 })
  const metadata = await openMetadataDatabase({
    dialect: 'sqlite',
    location: join(dir, 'meta-threads.db'),
    url: 'sqlite:bench-threads',
  })
  const { engine } = await openTestPipelineEngine(metadata, await catalog.list(), {
    blobs: new FsBlobStore({ root: join(dir, 'blobs-threads') }),
    executor: new LocalExecutor({ handler: createStepHandler(catalog.get, { threads: pool }) }),
  })
  const t = performance.now()
  await engine.run('warm')
  console.log(
    JSON.stringify({
      case: 'thread start (first run, loads the module)',
      wallMs: Math.round(performance.now() - t),
    }),
  )
  await measure(`chain of ${n} no-op steps on worker threads`, n, () => engine.run('threads'))
  await measure(`chain of ${n} no-op steps, isolate: false`, n, () => engine.run('inline'))
  await measure(`chain of ${n} no-op steps on worker threads (again)`, n, () => engine.run('threads'))
  await pool.close()
  await metadata.close()
}

async function main() {
  const chainN = arg('chain', 1000)
  const fanN = arg('fanout', 2000)
  const mapN = arg('map', 0)
  const cachedN = arg('cached', 100)
  const dir = mkdtempSync(join(tmpdir(), 'strata-pipeline-bench-'))
  try {
    const metadata = await openMetadataDatabase({
      dialect: 'sqlite',
      location: join(dir, 'meta.db'),
      url: 'sqlite:bench',
    })
    const pipelines = [
      chain('chain', chainN),
      fanout('fanout', fanN),
      chain('cached', cachedN),
      mapped('mapped', mapN),
    ]
    const { engine } = await openTestPipelineEngine(metadata, pipelines, {
      blobs: new FsBlobStore({ root: join(dir, 'blobs') }),
    })
    const measure = async (label: string, steps: number, fn: () => Promise<unknown>) => {
      const t = performance.now()
      const cpu = process.cpuUsage()
      await fn()
      const ms = performance.now() - t
      const used = process.cpuUsage(cpu)
      const cpuMs = (used.user + used.system) / 1000
      const rss = process.resourceUsage().maxRSS / 1024
      console.log(
        JSON.stringify({
          case: label,
          steps,
          wallMs: Math.round(ms),
          perStepMs: +(ms / steps).toFixed(3),
          // CPU of this process (all its threads) per step: tolerant of a busy machine.
          cpuPerStepMs: +(cpuMs / steps).toFixed(3),
          // of which in the kernel (SQLite's WAL writes and checkpoints, blob files)
          sysCpuPerStepMs: +(used.system / 1000 / steps).toFixed(3),
          peakRssMiB: Math.round(rss),
        }),
      )
    }
    await measure(`chain of ${chainN} no-op steps`, chainN, () => engine.run('chain'))
    await measure(`fan-out of ${fanN} no-op steps + fan-in`, fanN + 2, () => engine.run('fanout'))
    if (mapN > 0)
      await measure(`mapped fan-out of ${mapN} no-op elements + fan-in`, mapN + 2, async () => {
        const r = await engine.run('mapped')
        const leaf = r.steps.find((s) => s.step === 'leaf')
        // Every element succeeded (a fresh database: nothing to hit) and the fan-in saw them all.
        if (r.outputs.collect !== mapN || leaf?.elements?.succeeded !== mapN)
          throw new Error(`mapped run is wrong: ${JSON.stringify({ out: r.outputs.collect, leaf })}`)
      })
    await engine.run('cached')
    await measure(`fully cached re-run of a ${cachedN}-step chain`, cachedN, () => engine.run('cached'))
    await measure(`plan of the cached ${cachedN}-step chain`, cachedN, () => engine.plan('cached'))
    await metadata.close()
    const threadedN = arg('threaded', 300)
    if (threadedN > 0) await threaded(dir, threadedN, measure)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
