import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { openStrata } from '../../src/platform/index.js'
import { describeWithService } from '../../src/testing/services.js'
import { startStrataWorker } from '../support/strata-worker.js'
import { type TempProject, tempProject } from '../support/temp-project.js'

const BIN = new URL('../../bin/strata.js', import.meta.url).pathname

/** The first execution of `slow` hangs until its worker is killed; the next one returns its pid. */
const PIPELINES = `
import { appendFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pipeline, step } from 'strata-ml'

const log = join(process.env.KILL_PROJECT_DIR ?? '.', 'slow.log')
const slow = step({
  name: 'slow',
  cache: false,
  run: async () => {
    appendFileSync(log, process.pid + '\\n')
    if (readFileSync(log, 'utf8').trim().split('\\n').length === 1) await new Promise(() => {})
    return { pid: process.pid }
  },
})
const after = step({ name: 'after', inputs: { slow }, cache: false, run: (_ctx, { slow }) => ({ from: slow.pid }) })
export const killme = pipeline({ name: 'killme', steps: [slow, after] })
`

const startWorker = (dir: string, env: NodeJS.ProcessEnv) =>
  startStrataWorker(dir, env, ['--lock-seconds', '1', '--concurrency', '2'])

describeWithService('redis', 'pipelines on BullMQ workers', (redisUrl) => {
  const workers: ChildProcess[] = []
  let project: TempProject | undefined
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL')
    await project?.[Symbol.asyncDispose]()
  })

  it('a worker SIGKILLed mid-step loses no run: another worker takes the step and the run completes', async () => {
    project = await tempProject('strata-worker-kill-')
    const dir = project.dir
    writeFileSync(join(dir, 'strata.config.ts'), `export default { pipelines: 'pipelines.ts' }\n`)
    writeFileSync(join(dir, 'pipelines.ts'), PIPELINES)
    const executor = `bullmq+${redisUrl}?queue=kill-${randomBytes(4).toString('hex')}`
    const env = { ...process.env, STRATA_EXECUTOR_URL: executor, KILL_PROJECT_DIR: dir }
    workers.push(...(await Promise.all([startWorker(dir, env), startWorker(dir, env)])))

    await using strata = await openStrata({ cwd: dir, env })
    const engine = await strata.pipelines()
    const running = engine.run('killme')
    const log = join(dir, 'slow.log')
    while (!existsSync(log) || readFileSync(log, 'utf8').trim() === '')
      await new Promise((r) => setTimeout(r, 50))
    const firstPid = Number(readFileSync(log, 'utf8').trim())
    const victim = workers.find((w) => w.pid === firstPid)
    expect(victim, `the step ran on one of the workers (pid ${firstPid})`).toBeDefined()
    victim?.kill('SIGKILL')

    const result = await running
    expect(result.run.status).toBe('succeeded')
    const pids = readFileSync(log, 'utf8').trim().split('\n').map(Number)
    expect(pids).toHaveLength(2)
    expect(pids[1]).not.toBe(firstPid)
    expect(result.outputs.after).toEqual({ from: pids[1] })
    const slow = result.steps.find((s) => s.step === 'slow')
    expect(slow).toMatchObject({ status: 'succeeded', attempt: 1 })
  }, 300_000)
})
