import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runKillChild } from '../../../test/support/kill-child.js'
import { layOutLoopProject } from '../../../test/support/loop-project.js'
import { type TempProject, tempProject } from '../../../test/support/temp-project.js'
import { openStrata } from '../../platform/index.js'
import { freshSchemaUrls } from '../../testing/metadata-fixture.js'
import { describeWithService } from '../../testing/services.js'
import type { RetrainLoop } from '../index.js'

const CHILD = fileURLToPath(new URL('../../../test/support/loop-project.ts', import.meta.url))

/** Loops of the project, read from its metadata database. */
async function loopsOf(dir: string): Promise<RetrainLoop[]> {
  await using strata = await openStrata({ cwd: dir })
  return await (await strata.monitoring()).loops({ monitor: 'linear-drift' })
}

/**
 * Runs `strata server` on the project in a child; `until` is polled against the database
 * every 100 ms once the server printed its first line, and the child is SIGKILLed when it holds.
 * With `line`, the child is killed at the first stdout line starting with it instead. The polls
 * read through one project handle opened for the whole wait: opening the project per poll cost
 * ~35 ms of CPU each, ten times a second, taken from the server under test on a busy machine.
 */
async function serverUntil(
  dir: string,
  stop: { line: string } | { until: (loops: RetrainLoop[]) => boolean },
  env: Record<string, string> = {},
): Promise<void> {
  await using strata = 'until' in stop ? await openStrata({ cwd: dir }) : undefined
  const monitoring = await strata?.monitoring()
  let polling: NodeJS.Timeout | undefined
  const exit = await runKillChild({
    module: CHILD,
    run: 'runLoopServer',
    env: { LOOP_PROJECT_DIR: dir, ...env },
    onLine: (line, kill) => {
      if ('line' in stop) {
        if (line.startsWith(stop.line)) kill()
        return
      }
      if (polling !== undefined || monitoring === undefined) return
      let busy = false
      polling = setInterval(() => {
        if (busy) return
        busy = true
        monitoring
          .loops({ monitor: 'linear-drift' })
          .then((loops) => {
            if (stop.until(loops)) kill()
          })
          .catch(() => {})
          .finally(() => {
            busy = false
          })
      }, 100)
    },
  })
  if (polling !== undefined) clearInterval(polling)
  expect(exit.killed, exit.stderr).toBe(true)
}

/**
 * The kill scenario on one metadata backend: `metadata()` gives the project's metadata URL
 * (undefined: the project's SQLite file).
 */
function loopKillSuite(metadata: () => Promise<string | undefined>): void {
  let project: TempProject
  beforeAll(async () => {
    project = await tempProject('strata-loop-kill-')
    const url = await metadata()
    await layOutLoopProject(project, url === undefined ? {} : { metadata: url })
  }, 120_000)
  afterAll(async () => {
    await project?.[Symbol.asyncDispose]()
  })

  it('the server runs the scheduled monitor, a kill mid-retrain and a kill mid-rollout resume: one run, one challenger, one rollout, then promoted', async () => {
    const dir = project.dir
    // 1. The server's scheduler runs the monitor, the alert starts the loop, the training step
    //    starts — and the server is killed inside it.
    await serverUntil(dir, { line: 'loop-step training' }, { LOOP_HOLD: '1' })
    const [killed] = await loopsOf(dir)
    expect(killed).toMatchObject({ state: 'retraining', deployment: 'linear' })
    expect(killed?.runId).toMatch(/./)

    // 2. A new server resumes the loop (the run is resumed once its heartbeat is stale), retrains
    //    and starts the rollout; it is killed while the rollout is in progress.
    await serverUntil(dir, { until: (loops) => loops[0]?.state === 'rolling-out' })
    const loops = await loopsOf(dir)
    expect(loops).toHaveLength(1)
    const loop = loops[0] as RetrainLoop
    expect(loop).toMatchObject({
      state: 'rolling-out',
      runId: killed?.runId,
      version: 2,
      metrics: { auc: 0.9 },
    })
    // One pipeline run for the incident, its step executed twice (killed once), one version registered.
    const executions = readFileSync(join(dir, 'executions.log'), 'utf8').trim().split('\n')
    expect(executions).toEqual([loop.runId, loop.runId])
    {
      await using strata = await openStrata({ cwd: dir })
      expect((await (await strata.pipelines()).runs({ pipeline: 'train' })).map((r) => r.runId)).toEqual([
        loop.runId,
      ])
      expect((await (await strata.registry()).listVersions('linear')).map((v) => v.version).sort()).toEqual([
        1, 2,
      ])
      const history = await (await strata.delivery()).history('linear')
      expect(history.revisions.map((r) => [r.action, r.policy.candidate])).toEqual([
        ['create', null],
        ['create', 2],
      ])
      // Never half-promoted: the champion is still v1 while the rollout runs; the challenger alias is v2.
      const registry = await strata.registry()
      expect((await registry.getVersionByAlias('linear', 'champion')).version).toBe(1)
      expect((await registry.getVersionByAlias('linear', 'challenger')).version).toBe(2)
    }

    // 3. The delivery engine's verdict (here by hand) and the next advance end the loop.
    expect((await project.cli('deploy', 'promote', 'linear')).code).toBe(0)
    const advanced = await project.cli('monitor', 'loops', '--advance', '--all', '--json')
    expect(advanced.code, advanced.stderr).toBe(0)
    expect(advanced.json<{ loops: RetrainLoop[] }>().loops[0]).toMatchObject({
      state: 'promoted',
      version: 2,
    })
    const history = await project.cli('monitor', 'history', 'linear-drift')
    expect(history.stdout).toMatch(
      /loop \w+ \(incident \w+\) on deployment linear: promoted, version 2, revision 3/,
    )
    expect(history.stdout).toMatch(/retraining\s+pipeline train run \S+ started/)
    expect(history.stdout).toMatch(/challenger\s+version 2 registered by run \S+ is challenger \(auc 0\.9\)/)
    {
      await using strata = await openStrata({ cwd: dir })
      const lineage = await strata.lineage()
      const path = await lineage.path(`monitor-incident:${loop.incidentId}`, 'deployment:linear/3')
      expect(path?.map((e) => e.activity)).toEqual(['retrain', 'register', 'deploy'])
    }
  }, 300_000)
}

describe('the closed loop under SIGKILL of strata server [sqlite+fs]', () => {
  loopKillSuite(async () => undefined)
})

describeWithService('postgres', 'the closed loop under SIGKILL of strata server [postgres]', (url) => {
  const freshSchema = freshSchemaUrls(url, 'loop')
  loopKillSuite(freshSchema)
})
