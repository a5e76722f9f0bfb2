/**
 * Pipeline engine overhead on the local executor: a chain of no-op steps, a fan-out of no-op
 * steps with one fan-in, and a fully cached re-run of a 100-step chain. SQLite metadata and a
 * file blob store in a temp directory (the embedded defaults). Prints one JSON line per case.
 *
 *   node --import jiti/register bench/pipeline-local.bench.ts [--chain 1000] [--fanout 2000]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FsBlobStore } from '../src/backends/blob/fs-blob-store.js'
import { openMetadataDatabase } from '../src/db/index.js'
import { type Pipeline, pipeline, type Step, step } from '../src/pipelines/index.js'
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

async function main() {
  const chainN = arg('chain', 1000)
  const fanN = arg('fanout', 2000)
  const dir = mkdtempSync(join(tmpdir(), 'strata-pipeline-bench-'))
  try {
    const metadata = await openMetadataDatabase({
      dialect: 'sqlite',
      location: join(dir, 'meta.db'),
      url: 'sqlite:bench',
    })
    const pipelines = [chain('chain', chainN), fanout('fanout', fanN), chain('cached', 100)]
    const { engine } = await openTestPipelineEngine(metadata, pipelines, {
      blobs: new FsBlobStore({ root: join(dir, 'blobs') }),
    })
    const measure = async (label: string, steps: number, fn: () => Promise<unknown>) => {
      const t = performance.now()
      await fn()
      const ms = performance.now() - t
      const rss = process.resourceUsage().maxRSS / 1024
      console.log(
        JSON.stringify({
          case: label,
          steps,
          wallMs: Math.round(ms),
          perStepMs: +(ms / steps).toFixed(3),
          peakRssMiB: Math.round(rss),
        }),
      )
    }
    await measure(`chain of ${chainN} no-op steps`, chainN, () => engine.run('chain'))
    await measure(`fan-out of ${fanN} no-op steps + fan-in`, fanN + 2, () => engine.run('fanout'))
    await engine.run('cached')
    await measure('fully cached re-run of a 100-step chain', 100, () => engine.run('cached'))
    await measure('plan of the cached 100-step chain', 100, () => engine.plan('cached'))
    await metadata.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
