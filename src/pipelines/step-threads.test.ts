import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestPipelineEngine } from '../../test/support/pipeline-engine.js'
import { LocalExecutor } from '../backends/executor/index.js'
import { openMetadataDatabase } from '../db/index.js'
import { loadPipelines } from './load-pipelines.js'
import { createStepHandler } from './step-runner.js'
import { StepThreadPool } from './step-thread-pool.js'

// A pipelines module loaded by the step threads through the user-module loader: every way a
// TypeScript step can misbehave, beside steps that behave.
const MODULE = `
import { NonRetryableError, pipeline, step } from 'strata-ml'
import { isMainThread, threadId } from 'node:worker_threads'

const where = step({ name: 'where', isolate: true, run: () => ({ mainThread: isMainThread, threadId }) })
const inline = step({ name: 'inline', isolate: false, run: () => ({ mainThread: isMainThread }) })
const add = step({ name: 'add', inputs: { where }, params: ['n'], run: (ctx, { where }) => {
  ctx.log('adding in thread ' + where.threadId)
  return { sum: Number(ctx.params.n) + 1 }
} })
export const ok = pipeline({ name: 'ok', params: { n: 41 }, steps: [where, inline, add] })

const spin = step({ name: 'spin', timeoutMs: 300, run: () => { for (;;) {} } })
const exits = step({ name: 'exits', run: () => { process.exit(3) } })
const stray = step({ name: 'stray', run: () => new Promise(() => { setTimeout(() => { throw new Error('stray callback error') }, 1) }) })
const throws = step({ name: 'throws', run: () => { throw new NonRetryableError('bad input rows') } })
const fine = step({ name: 'fine', run: () => 'still here' })
export const bad = pipeline({ name: 'bad', steps: [spin, exits, stray, throws, fine] })
`

describe('TypeScript steps on worker threads', () => {
  let dir: string
  let pool: StepThreadPool
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-step-threads-'))
    writeFileSync(join(dir, 'pipelines.ts'), MODULE)
    pool = new StepThreadPool({ threads: 3 })
  })
  afterAll(async () => {
    await pool.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const open = async () => {
    const catalog = await loadPipelines(dir, 'pipelines.ts')
    const metadata = await openMetadataDatabase({
      dialect: 'sqlite',
      location: ':memory:',
      url: 'sqlite::memory:',
    })
    const executor = new LocalExecutor({ handler: createStepHandler(catalog.get, { threads: pool }) })
    return openTestPipelineEngine(metadata, await catalog.list(), { executor })
  }

  it('runs steps off the main thread (unless isolate: false), with params, inputs and log', async () => {
    const { engine } = await open()
    const result = await engine.run('ok', { params: { n: 1 } })
    expect(result.run.status).toBe('succeeded')
    expect(result.outputs.where).toMatchObject({ mainThread: false })
    expect(result.outputs.inline).toEqual({ mainThread: true })
    expect(result.outputs.add).toEqual({ sum: 2 })
  })

  it('contains a step that spins forever, exits the process, or throws from a callback', async () => {
    const { engine } = await open()
    let ticks = 0
    const ticker = setInterval(() => ticks++, 20)
    const result = await engine.run('bad')
    clearInterval(ticker)
    // The engine's event loop went on while a step spun.
    expect(ticks).toBeGreaterThan(0)
    const by = new Map(result.steps.map((s) => [s.step, s]))
    expect(by.get('fine')?.status).toBe('succeeded')
    expect(result.outputs.fine).toBe('still here')
    expect(by.get('spin')?.status).toBe('failed')
    expect(by.get('spin')?.error).toContain('step "spin" (attempt 1) timed out after 300 ms')
    expect(by.get('exits')?.error).toContain('exit code 3')
    expect(by.get('stray')?.error).toContain('stray callback error')
    expect(by.get('throws')?.error).toMatch(/step "throws" \(attempt 1\) failed: bad input rows/)
    // The user's stack names their module.
    expect(by.get('throws')?.error).toContain('pipelines.ts')
    expect(result.run.status).toBe('failed')
    // The pool is still usable after its threads were terminated.
    expect((await engine.run('ok')).outputs.add).toEqual({ sum: 42 })
  })
})
