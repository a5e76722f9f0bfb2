import { type ChildProcess, spawn } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openStrata } from '../../src/platform/index.js'
import { testServiceUrl } from '../../src/testing/services.js'
import { startStrataWorker } from '../support/strata-worker.js'
import { type TempProject, tempProject } from '../support/temp-project.js'

const BIN = new URL('../../bin/strata.js', import.meta.url).pathname

/**
 * `talk` (a TypeScript step, on a step thread) and `shout` (a command step) each log a line,
 * wait for a gate file the test creates, then log another: the follower must print the first
 * line while the step is still waiting, i.e. before the attempt ended.
 */
const PIPELINES = `
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { commandStep, pipeline, step } from 'strata-ml'

const gate = (name: string) => join(process.env.FOLLOW_DIR ?? '.', name)
const talk = step({
  name: 'talk',
  cache: false,
  run: async (ctx) => {
    ctx.log('ts before the gate')
    while (!existsSync(gate('gate-ts'))) await new Promise((r) => setTimeout(r, 20))
    ctx.log('ts after the gate')
    return { ok: true }
  },
})
const shout = commandStep({
  name: 'shout',
  inputs: { talk },
  cache: false,
  command: ['node', 'shout.mjs', '{params.fail}'],
  params: { fail: 'boolean' },
  outputs: { done: 'boolean' },
})
export const chat = pipeline({ name: 'chat', params: { fail: false }, steps: [talk, shout] })
`

const SHOUT = `
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
console.log('cmd before the gate')
console.error('cmd on stderr')
while (!existsSync(join(process.env.FOLLOW_DIR, 'gate-cmd'))) await new Promise((r) => setTimeout(r, 20))
console.log('cmd after the gate')
if (process.argv[2] === 'true') process.exit(3)
writeFileSync(process.env.STRATA_OUTPUTS, JSON.stringify({ done: true }))
`

interface Proc {
  child: ChildProcess
  stdout: () => string
  exit: Promise<number | null>
}

function strata(dir: string, env: NodeJS.ProcessEnv, ...args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, '-C', dir, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString()
  })
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && process.env.FOLLOW_DEBUG !== undefined) process.stderr.write(err)
      resolve(code)
    }),
  )
  return { child, stdout: () => out, exit }
}

const until = async (what: () => boolean | Promise<boolean>) => {
  while (!(await what())) await new Promise((r) => setTimeout(r, 50))
}

describe('strata pipelines logs --follow (real processes)', { timeout: 600_000 }, () => {
  const children: ChildProcess[] = []
  let project: TempProject | undefined
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    await project?.[Symbol.asyncDispose]()
  })

  /** `executor`: a BullMQ executor URL, to have a `strata worker` process execute the steps. */
  const followRun = async (fail: boolean, executor?: string) => {
    project ??= await tempProject('strata-logs-follow-')
    const dir = project.dir
    writeFileSync(join(dir, 'strata.config.ts'), `export default { pipelines: 'pipelines.ts' }\n`)
    writeFileSync(join(dir, 'pipelines.ts'), PIPELINES)
    writeFileSync(join(dir, 'shout.mjs'), SHOUT)
    for (const g of ['gate-ts', 'gate-cmd']) rmSync(join(dir, g), { force: true })
    const env = {
      ...process.env,
      FOLLOW_DIR: dir,
      ...(executor === undefined ? {} : { STRATA_EXECUTOR_URL: executor }),
    }
    if (executor !== undefined) children.push(await startStrataWorker(dir, env, []))

    await using local = await openStrata({ cwd: dir, env })
    const engine = await local.pipelines()
    const known = new Set((await engine.runs({ pipeline: 'chat' })).map((r) => r.runId))
    // The run is driven by one process ...
    const runner = strata(dir, env, 'pipelines', 'run', 'chat', '-P', `fail=${fail}`, '--json')
    children.push(runner.child)
    let runId = ''
    await until(async () => {
      runId = (await engine.runs({ pipeline: 'chat' })).find((r) => !known.has(r.runId))?.runId ?? ''
      return runId !== ''
    })
    // ... and followed by another.
    const follower = strata(dir, env, '--json', 'pipelines', 'logs', runId, '--follow', '--poll-ms', '100')
    children.push(follower.child)
    const lines = () =>
      follower
        .stdout()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { step?: string; attempt?: number; line?: string; status?: string })

    await until(() => lines().some((l) => l.line === 'ts before the gate'))
    expect((await engine.show(runId)).steps.find((s) => s.step === 'talk')?.status).toBe('running')
    writeFileSync(join(dir, 'gate-ts'), '')
    await until(() => lines().some((l) => l.line === '[stderr] cmd on stderr'))
    expect((await engine.show(runId)).steps.find((s) => s.step === 'shout')?.status).toBe('running')
    writeFileSync(join(dir, 'gate-cmd'), '')

    const code = await follower.exit
    await runner.exit
    return { code, lines: lines() }
  }

  it('streams TS and command step lines of a run driven by another process, then exits 0 when it succeeded', async () => {
    const { code, lines } = await followRun(false)
    expect(code).toBe(0)
    const logged = lines.filter((l) => l.line !== undefined)
    // each line once; stdout and stderr are two pipes, so only each one's order is fixed
    expect(logged.slice(0, 2)).toEqual([
      { step: 'talk', attempt: 1, line: 'ts before the gate' },
      { step: 'talk', attempt: 1, line: 'ts after the gate' },
    ])
    expect(logged.slice(2).map((l) => l.line)).toHaveLength(3)
    expect(logged.slice(2)).toEqual(
      expect.arrayContaining([
        { step: 'shout', attempt: 1, line: 'cmd before the gate' },
        { step: 'shout', attempt: 1, line: '[stderr] cmd on stderr' },
        { step: 'shout', attempt: 1, line: 'cmd after the gate' },
      ]),
    )
    expect(lines.at(-1)).toMatchObject({ status: 'succeeded' })
  })

  it('exits 1 when the run failed', async () => {
    const { code, lines } = await followRun(true)
    expect(code).toBe(1)
    expect(lines.some((l) => l.step === 'shout' && l.line === 'cmd after the gate')).toBe(true)
    expect(lines.at(-1)).toMatchObject({ status: 'failed' })
  })

  // The steps run in a `strata worker` process (BullMQ), neither in the coordinator nor in the follower.
  it.skipIf(testServiceUrl('redis') === undefined)(
    'follows the lines of steps a BullMQ strata worker executes (TS step on its thread, command step)',
    async () => {
      const queue = `follow-${process.pid}-${Date.now().toString(36)}`
      const { code, lines } = await followRun(false, `bullmq+${testServiceUrl('redis')}?queue=${queue}`)
      expect(code).toBe(0)
      const logged = lines.filter((l) => l.line !== undefined)
      expect(logged.slice(0, 2)).toEqual([
        { step: 'talk', attempt: 1, line: 'ts before the gate' },
        { step: 'talk', attempt: 1, line: 'ts after the gate' },
      ])
      expect(logged.slice(2)).toEqual(
        expect.arrayContaining([
          { step: 'shout', attempt: 1, line: 'cmd before the gate' },
          { step: 'shout', attempt: 1, line: '[stderr] cmd on stderr' },
          { step: 'shout', attempt: 1, line: 'cmd after the gate' },
        ]),
      )
      expect(lines.at(-1)).toMatchObject({ status: 'succeeded' })
    },
  )
})
