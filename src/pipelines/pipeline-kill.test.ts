import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { runKillChild } from '../../test/support/kill-child.js'
import { KILL_STEPS, openKillEngine } from '../../test/support/pipeline-kill-child.js'

const CHILD = fileURLToPath(new URL('../../test/support/pipeline-kill-child.ts', import.meta.url))
const KILLS = 5

/** Starts a coordinator; SIGKILLs it after `afterEvents` step events (or lets it finish). */
async function runAndKill(
  dir: string,
  salt: number,
  afterEvents: number,
): Promise<{ runId: string; killed: boolean }> {
  let runId = ''
  let events = 0
  const exit = await runKillChild({
    module: CHILD,
    run: 'runPipelineKillChild',
    env: { KILL_CHILD_DIR: dir, KILL_CHILD_SALT: String(salt) },
    onLine: (line, kill) => {
      if (line.startsWith('run ')) runId = line.slice(4)
      if (line.startsWith('event ') && ++events === afterEvents) kill()
    },
  })
  return { runId, killed: exit.killed }
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
