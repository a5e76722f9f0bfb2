import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { openStrata } from '../../src/platform/index.js'
import { freePort } from '../support/free-port.js'
import { startStrataWorker } from '../support/strata-worker.js'
import { type TempProject, tempProject } from '../support/temp-project.js'

const BIN = new URL('../../bin/strata.js', import.meta.url).pathname

/**
 * `first` runs once; `work` is mapped over three items, each element writing a line to
 * started.log and then waiting for the file `gate` (so the test can restart Redis while all
 * three are under way); `total` fans in.
 */
const PIPELINES = `
import { appendFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { mapStep, overParam, pipeline, step } from 'strata-ml'

const dir = process.env.RESTART_PROJECT_DIR ?? '.'
const first = step({
  name: 'first',
  cache: false,
  run: () => {
    appendFileSync(join(dir, 'first.log'), 'ran\\n')
    return 10
  },
})
const work = mapStep({
  name: 'work',
  over: overParam<number>('items'),
  inputs: { first },
  cache: false,
  // On the worker's own thread: the pool's threads (one per core) would hold fewer than three waiting elements.
  isolate: false,
  run: async (ctx, item, { first }) => {
    appendFileSync(join(dir, 'started.log'), item + ' ' + ctx.attempt + '\\n')
    while (!existsSync(join(dir, 'gate'))) await new Promise((r) => setTimeout(r, 50))
    return first + item
  },
})
const total = step({ name: 'total', inputs: { work }, cache: false, run: (_ctx, { work }) => work.reduce((a, b) => a + b, 0) })
export const restart = pipeline({ name: 'restart', params: { items: [1, 2, 3] }, steps: [first, work, total] })
`

const hasRedis = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

/** A redis-server of the test's own on `port` (the real binary), persisting to `dir` or not. */
async function startRedis(port: number, dir: string, persistent: boolean): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir]
  args.push(...(persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']))
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('Ready to accept connections')) resolve()
    })
    child.on('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)))
  })
  return child
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGKILL')
  await exited
}

const startWorker = (dir: string, env: NodeJS.ProcessEnv) =>
  startStrataWorker(dir, env, ['--concurrency', '3'])

const byStep = <T extends { step: string }>(steps: readonly T[]) =>
  [...steps].sort((a, b) => (a.step < b.step ? -1 : 1))

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []

async function until(what: string, ok: () => boolean): Promise<void> {
  // Bounded by the test's timeout, not by a time of its own.
  while (!ok()) await new Promise((r) => setTimeout(r, 50))
  void what
}

const children: ChildProcess[] = []
const cleanups: (() => unknown)[] = []
afterAll(async () => {
  for (const c of children) await kill(c)
  for (const c of cleanups) await c()
})

/** A project whose executor is the BullMQ queue on a redis-server of the test's own. */
async function setUp(persistent: boolean, query = '') {
  const project: TempProject = await tempProject('strata-redis-restart-')
  cleanups.push(() => project[Symbol.asyncDispose]())
  const dir = project.dir
  const redisDir = mkdtempSync(join(tmpdir(), 'strata-redis-'))
  cleanups.push(() => rmSync(redisDir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'strata.config.ts'), `export default { pipelines: 'pipelines.ts' }\n`)
  writeFileSync(join(dir, 'pipelines.ts'), PIPELINES)
  const port = await freePort()
  const redis = { child: await startRedis(port, redisDir, persistent) }
  children.push(redis.child)
  const executor = `bullmq+redis://127.0.0.1:${port}/0?queue=restart&check-seconds=0.5${query}`
  const env = { ...process.env, STRATA_EXECUTOR_URL: executor, RESTART_PROJECT_DIR: dir }
  children.push(await startWorker(dir, env))
  const restartRedis = async () => {
    await kill(redis.child)
    redis.child = await startRedis(port, redisDir, persistent)
    children.push(redis.child)
  }
  return { dir, env, redis, restartRedis }
}

it.skipIf(!hasRedis && process.env.CI !== 'true')(
  'Redis killed and restarted (with its append-only file) mid-run: the run waits, completes, and runs each step once',
  async () => {
    const { dir, env, restartRedis } = await setUp(true)
    await using strata = await openStrata({ cwd: dir, env })
    const engine = await strata.pipelines()
    const running = engine.run('restart')
    await until('three elements under way', () => lines(join(dir, 'started.log')).length === 3)

    await restartRedis()
    writeFileSync(join(dir, 'gate'), '')
    const result = await running

    expect(byStep(result.steps).map((s) => [s.step, s.status, s.attempt, s.error])).toEqual([
      ['first', 'succeeded', 1, null],
      ['total', 'succeeded', 1, null],
      ['work', 'succeeded', 1, null],
    ])
    expect(result.run.status).toBe('succeeded')
    expect(result.outputs.total).toBe(36)
    // No lost and no duplicated step runs: every element ran exactly once, on its first attempt.
    expect(lines(join(dir, 'started.log')).sort()).toEqual(['1 1', '2 1', '3 1'])
    expect(lines(join(dir, 'first.log'))).toEqual(['ran'])
  },
  300_000,
)

it.skipIf(!hasRedis && process.env.CI !== 'true')(
  'Redis restarted empty (no persistence) mid-run: the lost steps fail with UNAVAILABLE, and resume re-runs only them',
  async () => {
    const { dir, env, restartRedis } = await setUp(false)
    await using strata = await openStrata({ cwd: dir, env })
    const engine = await strata.pipelines()
    const running = engine.run('restart')
    await until('three elements under way', () => lines(join(dir, 'started.log')).length === 3)

    await restartRedis()
    const failed = await running
    expect(failed.run.status).toBe('failed')
    const work = failed.steps.find((s) => s.step === 'work')
    expect(work?.status).toBe('failed')
    expect(work?.error).toMatch(/UNAVAILABLE|no longer in Redis/)
    expect(work?.error).toContain('restarted without persistence')
    expect(failed.steps.find((s) => s.step === 'total')?.status).toBe('skipped')
    const shown = await engine.show(failed.run.runId)
    expect(shown.run.status).toBe('failed')

    // The attempts that were under way finish on the worker, but their jobs are gone: nothing is published.
    writeFileSync(join(dir, 'gate'), '')
    const resumed = await engine.resume(failed.run.runId)
    expect(resumed.run.status).toBe('succeeded')
    expect(resumed.outputs.total).toBe(36)
    expect(byStep(resumed.steps).map((s) => [s.step, s.status, s.attempt])).toEqual([
      ['first', 'succeeded', 1],
      ['total', 'succeeded', 1],
      ['work', 'succeeded', 2],
    ])
    // `first` had succeeded: not run again. Each element ran once per attempt.
    expect(lines(join(dir, 'first.log'))).toEqual(['ran'])
    expect(lines(join(dir, 'started.log')).sort()).toEqual(['1 1', '1 2', '2 1', '2 2', '3 1', '3 2'])
  },
  300_000,
)

it.skipIf(!hasRedis && process.env.CI !== 'true')(
  'Redis down past the bound: the run fails with UNAVAILABLE naming Redis, and is not left running',
  async () => {
    const { dir, env, redis, restartRedis } = await setUp(false, '&unavailable-seconds=2')
    await using strata = await openStrata({ cwd: dir, env })
    const engine = await strata.pipelines()
    const running = engine.run('restart')
    await until('three elements under way', () => lines(join(dir, 'started.log')).length === 3)

    await kill(redis.child)
    const failed = await running
    expect(failed.run.status).toBe('failed')
    const work = failed.steps.find((s) => s.step === 'work')
    expect(work?.status).toBe('failed')
    expect(work?.error).toMatch(/Redis at 127\.0\.0\.1:\d+ did not answer for 2 s/)
    expect((await engine.show(failed.run.runId)).run.status).toBe('failed')
    // Back up, so the worker's and the executor's connections close.
    await restartRedis()
    writeFileSync(join(dir, 'gate'), '')
  },
  300_000,
)
