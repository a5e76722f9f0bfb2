import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestPipelineEngine } from '../../test/support/pipeline-engine.js'
import { strataThrow } from '../../test/support/strata-error.js'
import { openMetadataDatabase } from '../db/index.js'
import { commandStep } from './command-step.js'
import { pipeline } from './pipeline.js'
import { step } from './step.js'

const hasPython = (() => {
  try {
    execFileSync('python3', ['--version'])
    return true
  } catch {
    return false
  }
})()

const TRAIN = `
import json, os, sys
params = json.load(open(os.environ['STRATA_PARAMS']))
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
data = json.load(open(args['--data']))
print('training on', len(data['rows']), 'rows with lr', args['--lr'])
print('a warning', file=sys.stderr)
mode = data.get('mode')
if mode == 'fail':
    print('Traceback: the data is bad', file=sys.stderr)
    sys.exit(2)
score = 'high' if mode == 'wrong' else sum(data['rows']) * params['lr']
json.dump({'score': score}, open(args['--out'], 'w'))
`

const SLEEPER = `
import os, subprocess, sys, time
child = subprocess.Popen(['sleep', '60'])
open(sys.argv[1], 'w').write(str(child.pid))
time.sleep(60)
`

describe.runIf(hasPython)('command steps (python3)', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-command-step-'))
    writeFileSync(join(dir, 'train.py'), TRAIN)
    writeFileSync(join(dir, 'sleeper.py'), SLEEPER)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const pipelines = () => {
    const data = step({
      name: 'data',
      params: ['mode'],
      run: (ctx) => ({ rows: [1, 2, 3], mode: String(ctx.params.mode) }),
    })
    const train = commandStep({
      name: 'train',
      inputs: { data },
      command: [
        'python3',
        'train.py',
        '--lr',
        '{params.lr}',
        '--data',
        '{inputs.data}',
        '--out',
        '{outputs}',
      ],
      params: { lr: 'number' },
      outputs: { score: 'number', note: 'string?' },
      cwd: dir,
    })
    const report = step({
      name: 'report',
      inputs: { model: train },
      params: [],
      // `model.score` is typed number by the output contract.
      run: (_ctx, { model }) => `score ${model.score.toFixed(1)}`,
    })
    const missing = commandStep({
      name: 'missing',
      command: ['strata-no-such-program', '--x'],
      outputs: { x: 'number' },
    })
    const sleeper = commandStep({
      name: 'sleeper',
      command: ['python3', 'sleeper.py', join(dir, 'grandchild.pid')],
      outputs: { x: 'number' },
      cwd: dir,
      timeoutMs: 1000,
    })
    const typed = commandStep({
      name: 'typed',
      command: ['python3', '-c', 'raise SystemExit(9)', '{params.n}'],
      params: { n: 'integer' },
      outputs: { x: 'number' },
    })
    return [
      pipeline({ name: 'typed', params: { n: 1 }, steps: [typed] }),
      pipeline({ name: 'train', params: { lr: 0.5, mode: 'ok' }, steps: [data, train, report] }),
      pipeline({ name: 'missing', steps: [missing] }),
      pipeline({ name: 'sleeper', steps: [sleeper] }),
    ]
  }
  const open = async () => {
    const metadata = await openMetadataDatabase({
      dialect: 'sqlite',
      location: ':memory:',
      url: 'sqlite::memory:',
    })
    return (await openTestPipelineEngine(metadata, pipelines())).engine
  }

  it('materializes inputs and params, collects outputs.json, logs stdout and stderr, caches on the script', async () => {
    const engine = await open()
    const first = await engine.run('train')
    expect(first.run.status).toBe('succeeded')
    expect(first.outputs.train).toEqual({ score: 3 })
    expect(first.outputs.report).toBe('score 3.0')
    const logs = await engine.logs(first.run.runId, 'train')
    expect(logs).toEqual([
      { step: 'train', attempt: 1, lines: ['training on 3 rows with lr 0.5', '[stderr] a warning'] },
    ])
    const plan = await engine.plan('train')
    expect(plan.steps.find((s) => s.step === 'train')?.action).toBe('cached')
    writeFileSync(join(dir, 'train.py'), `${TRAIN}\n# edited\n`)
    const edited = await engine.plan('train')
    expect(edited.steps.find((s) => s.step === 'train')).toMatchObject({
      action: 'run',
      reason: 'code-changed',
    })
    const again = await engine.plan('train', { params: { lr: 0.25 } })
    expect(again.steps.find((s) => s.step === 'train')?.action).toBe('run')
  })

  it('names the output field a script got wrong, and the exit code and stderr of a failing one', async () => {
    const engine = await open()
    const wrong = await engine.run('train', { params: { mode: 'wrong' } })
    const wrongStep = wrong.steps.find((s) => s.step === 'train')
    expect(wrongStep?.status).toBe('failed')
    expect(wrongStep?.error).toContain('output field "score" must be number, not the string "high"')
    expect(wrong.steps.find((s) => s.step === 'report')?.status).toBe('skipped')
    const failing = await engine.run('train', { params: { mode: 'fail' } })
    const error = failing.steps.find((s) => s.step === 'train')?.error ?? ''
    expect(error).toContain('command "python3" exited with code 2')
    expect(error).toContain('Traceback: the data is bad')
  })

  it('refuses a param of the wrong type before starting, and names a command that is not installed', async () => {
    const engine = await open()
    const typed = await engine.run('typed', { params: { n: 1.5 } })
    expect(typed.steps[0]?.error).toContain('param field "n" must be integer, not the number 1.5')
    expect((await engine.logs(typed.run.runId)).length).toBe(0)
    const missing = await engine.run('missing')
    expect(missing.steps[0]?.error).toContain('command "strata-no-such-program" was not found')
  })

  it('kills the whole process group of a command that outlives its timeout', async () => {
    const engine = await open()
    const result = await engine.run('sleeper')
    expect(result.steps[0]?.error).toContain('step "sleeper" (attempt 1) timed out after 1000 ms')
    const pid = Number(readFileSync(join(dir, 'grandchild.pid'), 'utf8'))
    await expect.poll(() => alive(pid), { timeout: 10_000 }).toBe(false)
  })
})

describe.runIf(hasPython)('cancel', () => {
  it('cancelled from another process: the coordinator stops the command group and the run ends cancelled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-cancel-'))
    writeFileSync(join(dir, 'sleeper.py'), SLEEPER)
    const forever = commandStep({
      name: 'forever',
      command: ['python3', 'sleeper.py', join(dir, 'child.pid')],
      outputs: { x: 'number' },
      cwd: dir,
    })
    const after = step({ name: 'after', inputs: { forever }, run: () => 'never' })
    const p = pipeline({ name: 'forever', steps: [forever, after] })
    const metadata = await openMetadataDatabase({
      dialect: 'sqlite',
      location: ':memory:',
      url: 'sqlite::memory:',
    })
    const { engine: driver } = await openTestPipelineEngine(metadata, [p], { heartbeatMs: 100 })
    // Another engine over the same metadata database: it drives nothing, as another process would.
    const { engine: other } = await openTestPipelineEngine(metadata, [p], { heartbeatMs: 100 })
    const run = await driver.start('forever')
    const driven = driver.drive(run.runId)
    await expect.poll(() => existsSync(join(dir, 'child.pid')), { timeout: 20_000 }).toBe(true)
    const cancelled = await other.cancel(run.runId)
    expect(cancelled.run.status).toBe('cancelled')
    const result = await driven
    expect(result.run.status).toBe('cancelled')
    expect(Object.fromEntries(result.steps.map((s) => [s.step, s.status]))).toEqual({
      forever: 'cancelled',
      after: 'cancelled',
    })
    const pid = Number(readFileSync(join(dir, 'child.pid'), 'utf8'))
    await expect.poll(() => alive(pid), { timeout: 10_000 }).toBe(false)
    // Cancelling again changes nothing.
    expect((await other.cancel(run.runId)).run.status).toBe('cancelled')
    rmSync(dir, { recursive: true, force: true })
  })
})

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

it('checks a command step declaration: placeholders and contract types', () => {
  expect(
    strataThrow(() =>
      commandStep({ name: 'x', command: ['python3', '{params.nope}'], outputs: { a: 'number' } }),
    ),
  ).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('{params.nope}') })
  expect(
    strataThrow(() => commandStep({ name: 'x', command: ['python3'], outputs: { a: 'float' as 'number' } })),
  ).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('"float"') })
})
