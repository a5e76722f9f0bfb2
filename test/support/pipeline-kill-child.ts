/**
 * The subprocess of `src/pipelines/pipeline-kill.test.ts`: drives a run of {@link killPipeline}
 * (a chain of steps, each logging its execution to a file) and prints every step event, so the
 * parent can SIGKILL the coordinator at any point. Run through jiti; configured by
 * `KILL_CHILD_DIR` and `KILL_CHILD_SALT`.
 */
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { FsBlobStore } from '../../src/backends/blob/fs-blob-store.js'
import { openMetadataDatabase } from '../../src/db/index.js'
import { type Pipeline, pipeline, type Step, step } from '../../src/pipelines/index.js'
import { openTestPipelineEngine } from './pipeline-engine.js'

/** Steps of the chain. */
export const KILL_STEPS = 6

/** A chain s0 → s1 → … each appending its name to `<dir>/executions.log` and adding 1. */
export function killPipeline(dir: string): Pipeline {
  const steps: Step<string, number>[] = []
  for (let i = 0; i < KILL_STEPS; i++) {
    const prev = steps[i - 1]
    const name = `s${i}`
    const run = async (_ctx: unknown, inputs: { prev?: number }) => {
      appendFileSync(join(dir, 'executions.log'), `${name}\n`)
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20))
      return (inputs.prev ?? 0) + 1
    }
    steps.push(
      prev === undefined
        ? step({ name, run: (ctx) => run(ctx, {}) })
        : step({ name, inputs: { prev }, run: (ctx, inputs) => run(ctx, inputs) }),
    )
  }
  return pipeline({ name: 'chain', params: { salt: 0 }, steps })
}

/** The metadata database and blob store of the kill directory. */
export async function openKillEngine(dir: string, heartbeatMs?: number) {
  const metadata = await openMetadataDatabase({
    dialect: 'sqlite',
    location: join(dir, 'meta.db'),
    url: 'sqlite:kill',
  })
  const blobs = new FsBlobStore({ root: join(dir, 'blobs') })
  const opened = await openTestPipelineEngine(metadata, [killPipeline(dir)], {
    blobs,
    ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
  })
  return { ...opened, metadata }
}

/** Starts a run and drives it, printing `run <id>` and `event <step> <status>` lines, until killed. */
export async function runPipelineKillChild(): Promise<void> {
  const dir = process.env.KILL_CHILD_DIR as string
  const { engine } = await openKillEngine(dir, 50)
  const run = await engine.start('chain', { params: { salt: Number(process.env.KILL_CHILD_SALT ?? 0) } })
  process.stdout.write(`run ${run.runId}\n`)
  await engine.drive(run.runId, { onEvent: (e) => process.stdout.write(`event ${e.step} ${e.status}\n`) })
  process.stdout.write('done\n')
}
