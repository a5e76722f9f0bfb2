import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { KILL_STEPS, openKillEngine } from '../../test/support/pipeline-kill-child.js'

const CHILD = fileURLToPath(new URL('../../test/support/pipeline-kill-child.ts', import.meta.url))
const KILLS = 5

/** Starts a coordinator; SIGKILLs it after `afterEvents` step events (or lets it finish). */
function runAndKill(
  dir: string,
  salt: number,
  afterEvents: number,
): Promise<{ runId: string; killed: boolean }> {
  const script = `const { createJiti } = await import('jiti'); const jiti = createJiti(${JSON.stringify(import.meta.url)}); const m = await jiti.import(${JSON.stringify(CHILD)}); await m.runPipelineKillChild()`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, KILL_CHILD_DIR: dir, KILL_CHILD_SALT: String(salt) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let runId = ''
  let events = 0
  let stderr = ''
  let buffer = ''
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) {
        if (line.startsWith('run ')) runId = line.slice(4)
        if (line.startsWith('event ') && ++events === afterEvents) child.kill('SIGKILL')
      }
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ runId, killed: true })
      else if (code === 0) resolve({ runId, killed: false })
      else reject(new Error(`child exited with ${code}/${signal}: ${stderr}`))
    })
  })
}

const executions = (dir: string): Map<string, number> => {
  const counts = new Map<string, number>()
  let text = ''
  try {
    text = readFileSync(join(dir, 'executions.log'), 'utf8')
  } catch {}
  for (const line of text.split('\n').filter(Boolean)) counts.set(line, (counts.get(line) ?? 0) + 1)
  return counts
}

describe('pipeline coordinator crash safety [sqlite+fs]', () => {
  const dirs: string[] = []
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  it('SIGKILL of the coordinator at random points: resume completes the run and re-runs no step that had succeeded', async () => {
    let killedMidRun = 0
    for (let k = 0; k < KILLS; k++) {
      const dir = mkdtempSync(join(tmpdir(), 'strata-pipeline-kill-'))
      dirs.push(dir)
      // Two events per step (running, succeeded): kill anywhere from the first start to the end.
      const afterEvents = 1 + Math.floor(Math.random() * (2 * KILL_STEPS - 1))
      const { runId, killed } = await runAndKill(dir, k, afterEvents)
      expect(runId).not.toBe('')
      if (killed) killedMidRun++

      const { engine, metadata } = await openKillEngine(dir)
      try {
        const before = await engine.show(runId)
        const succeeded = new Set(before.steps.filter((s) => s.status === 'succeeded').map((s) => s.step))
        const countsBefore = executions(dir)
        if (killed) expect(before.run.status).toBe('running')

        const resumed = await engine.resume(runId, { force: true })
        expect(resumed.run.status).toBe('succeeded')
        expect(resumed.outputs[`s${KILL_STEPS - 1}`]).toBe(KILL_STEPS)
        const countsAfter = executions(dir)
        for (const s of succeeded)
          expect(countsAfter.get(s), `step ${s} had succeeded before the kill`).toBe(countsBefore.get(s))
        for (let i = 0; i < KILL_STEPS; i++) {
          const row = resumed.steps.find((s) => s.step === `s${i}`)
          expect(row?.status).toBe('succeeded')
          // Ran at most once after it had started before the kill, never twice in one coordinator.
          expect(countsAfter.get(`s${i}`) ?? 0).toBeLessThanOrEqual(2)
        }
      } finally {
        await metadata.close()
      }
    }
    expect(killedMidRun).toBeGreaterThan(0)
  }, 600_000)
})
