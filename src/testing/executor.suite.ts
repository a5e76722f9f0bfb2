import { afterAll, describe, expect, it } from 'vitest'
import { isStrataError } from '../core/errors.js'
import type { Executor, StepJob, StepJobHandler, StepJobResult } from '../ports/index.js'

/** What {@link describeExecutor} takes. */
export interface ExecutorSuiteOptions {
  name: string
  /**
   * A new executor whose steps run with `handler` (for a queue executor: with a worker started
   * for it, closed by `close`). Each call gets a separate queue so cases do not see each other.
   */
  create(handler: StepJobHandler): Promise<{ executor: Executor; close(): Promise<void> }>
}

let seq = 0
const job = (step: string, inputs: Record<string, unknown> = {}): StepJob => {
  seq++
  const runId = `suite${process.pid}x${Date.now().toString(36)}x${seq}`
  return { id: `${runId}/${step}/1`, runId, pipeline: 'suite', step, attempt: 1, params: { p: 1 }, inputs }
}

/**
 * The conformance suite of the {@link Executor} port: results come back to the job that
 * asked, failures are results, a throwing handler is `INTERNAL`, jobs run concurrently, a
 * re-submitted job id runs once where the executor keeps results, and a closed executor
 * refuses jobs.
 *
 * @example
 * describeExecutor({ name: 'local', create: async (handler) => { const executor = new LocalExecutor({ handler }); return { executor, close: () => executor.close() } } })
 */
export function describeExecutor(options: ExecutorSuiteOptions): void {
  describe(`Executor conformance: ${options.name}`, () => {
    const opened: { close(): Promise<void> }[] = []
    afterAll(async () => {
      for (const o of opened) await o.close()
    })
    const open = async (handler: StepJobHandler) => {
      const made = await options.create(handler)
      opened.push(made)
      return made.executor
    }
    const echo: StepJobHandler = async (j) => ({
      ok: true,
      output: { step: j.step, inputs: j.inputs, params: j.params },
      log: [`ran ${j.step}`],
    })

    it('runs a job with the handler and returns its output and log', async () => {
      const executor = await open(echo)
      const result = await executor.execute(job('one', { x: [1, 2] }))
      expect(result).toEqual({
        ok: true,
        output: { step: 'one', inputs: { x: [1, 2] }, params: { p: 1 } },
        log: ['ran one'],
      })
    })

    it('returns a failed result as it is', async () => {
      const failure: StepJobResult = {
        ok: false,
        log: ['before'],
        error: {
          code: 'USER_CODE',
          message: 'step "bad" failed: boom',
          stack: 'Error: boom\n    at x',
          retryable: false,
        },
      }
      const executor = await open(async () => failure)
      expect(await executor.execute(job('bad'))).toEqual(failure)
    })

    it('turns a handler that throws into an INTERNAL result', async () => {
      const executor = await open(async () => {
        throw new Error('handler bug')
      })
      const result = await executor.execute(job('throws'))
      expect(result.ok).toBe(false)
      if (!result.ok) {
        expect(result.error.code).toBe('INTERNAL')
        expect(result.error.message).toContain('handler bug')
      }
    })

    it('gives each concurrent job its own result', async () => {
      const executor = await open(async (j) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10))
        return { ok: true, output: (j.inputs.n as number) * 2, log: [] }
      })
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, n) => executor.execute(job(`n${n}`, { n }))),
      )
      expect(results.map((r) => (r.ok ? r.output : null))).toEqual(
        Array.from({ length: 20 }, (_, n) => n * 2),
      )
    })

    it('runs jobs at the same time (two jobs that wait for each other both finish)', async () => {
      let arrive: () => void = () => {}
      const both = new Promise<void>((resolve) => {
        let n = 0
        arrive = () => {
          if (++n === 2) resolve()
        }
      })
      const executor = await open(async (j) => {
        arrive()
        await both
        return { ok: true, output: j.step, log: [] }
      })
      const results = await Promise.all([executor.execute(job('left')), executor.execute(job('right'))])
      expect(results.map((r) => r.ok && r.output)).toEqual(['left', 'right'])
    })

    it('runs a re-submitted job id once when it keeps results', async () => {
      let runs = 0
      const executor = await open(async (j) => {
        runs++
        return { ok: true, output: j.step, log: [] }
      })
      const j = job('once')
      const first = await executor.execute(j)
      const second = await executor.execute(j)
      expect(second).toEqual(first)
      expect(runs).toBe(executor.capabilities.dedupe ? 1 : 2)
    })

    it('cancels a job under way: its handler sees the abort and the result is a failure', async () => {
      let started: () => void = () => {}
      const startedP = new Promise<void>((resolve) => {
        started = resolve
      })
      let sawAbort = false
      const executor = await open(async (_j, signal) => {
        started()
        await new Promise<void>((resolve) =>
          signal?.addEventListener('abort', () => resolve(), { once: true }),
        )
        sawAbort = true
        return {
          ok: false,
          log: [],
          error: { code: 'FAILED_PRECONDITION', message: 'stopped', retryable: false },
        }
      })
      const controller = new AbortController()
      const pending = executor.execute(job('long'), { signal: controller.signal })
      await startedP
      controller.abort()
      const result = await pending
      expect(result.ok).toBe(false)
      await expect.poll(() => sawAbort, { timeout: 10_000 }).toBe(true)
    })

    it('does not run a job cancelled before it is executed', async () => {
      let runs = 0
      const executor = await open(async (j) => {
        runs++
        return { ok: true, output: j.step, log: [] }
      })
      const controller = new AbortController()
      controller.abort()
      const result = await executor.execute(job('never'), { signal: controller.signal })
      expect(result.ok).toBe(false)
      expect(runs).toBe(0)
    })

    it('refuses jobs once closed', async () => {
      const made = await options.create(echo)
      await made.close()
      const err = await made.executor.execute(job('late')).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isStrataError(err, 'FAILED_PRECONDITION')).toBe(true)
    })
  })
}
