import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runKillChild } from '../../../test/support/kill-child.js'
import { layOutLoopProject } from '../../../test/support/loop-project.js'
import { type TempProject, tempProject } from '../../../test/support/temp-project.js'
import { openStrata } from '../../platform/index.js'
import { freshSchemaUrls } from '../../testing/metadata-fixture.js'
import { describeWithService } from '../../testing/services.js'
import type { AlertPayload } from './actions.js'
import type { ScheduleFire } from './schedule-fires.js'

const CHILD = fileURLToPath(new URL('../../../test/support/loop-project.ts', import.meta.url))

/** The scheduled runs of the project's monitor, read from its metadata database. */
async function firesOf(dir: string): Promise<ScheduleFire[]> {
  await using strata = await openStrata({ cwd: dir })
  return await (await strata.monitoring()).scheduleFires.fires('linear-drift')
}

/**
 * The scenario on one metadata backend: server A claims a scheduled minute, runs the monitor
 * and is SIGKILLed inside the run (while its webhook action waits for an answer); server B,
 * started after, takes the run over once A's lease expired and finishes it on the same window.
 */
function leaseKillSuite(metadata: () => Promise<string | undefined>): void {
  let project: TempProject
  const alerts: AlertPayload[] = []
  /** Set while the first alert is held: SIGKILLs server A. */
  let onFirstAlert: (() => void) | undefined
  const held: ServerResponse[] = []
  const hook = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = ''
    req.on('data', (d: Buffer) => {
      body += d.toString()
    })
    req.on('end', () => {
      alerts.push(JSON.parse(body) as AlertPayload)
      if (alerts.length === 1) {
        held.push(res) // never answered: A is killed inside its run
        onFirstAlert?.()
      } else res.writeHead(200).end('{}')
    })
  })
  beforeAll(async () => {
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alert`
    project = await tempProject('strata-lease-kill-')
    const md = await metadata()
    await layOutLoopProject(project, { webhook: url, ...(md === undefined ? {} : { metadata: md }) })
  }, 120_000)
  afterAll(async () => {
    for (const res of held) res.destroy()
    await new Promise((r) => hook.close(r))
    await project?.[Symbol.asyncDispose]()
  })

  it('a server killed mid-run loses its lease; another server takes the same minute over and finishes it', async () => {
    const dir = project.dir
    const env = { LOOP_PROJECT_DIR: dir, LOOP_LEASE_SECONDS: '2' }
    // A: claims the minute, records the alerting window, and dies inside the webhook action.
    const a = await runKillChild({
      module: CHILD,
      run: 'runLoopServer',
      env,
      onLine: (_line, kill) => {
        onFirstAlert = kill
        if (alerts.length >= 1) kill()
      },
    })
    expect(a.killed, a.stderr).toBe(true)
    onFirstAlert = undefined
    const [cut] = await firesOf(dir)
    expect(cut).toMatchObject({ attempts: 1, doneAt: null, outcome: null })
    const first = alerts[0] as AlertPayload

    // B: once A's lease (2 s) expired, takes that minute over — attempt 2, the same window —
    // and is killed once it reports the run finished (printed after the fire is marked done).
    const tookOver = `took over the run of linear-drift at ${cut?.fireKey} (attempt 2)`
    const b = await runKillChild({
      module: CHILD,
      run: 'runLoopServer',
      env,
      onLine: () => {},
      onStderrLine: (line, kill) => {
        if (line.includes(tookOver)) kill()
      },
    })
    expect(b.killed, b.stderr).toBe(true)
    expect(b.stderr).toContain(`took over the run of linear-drift at ${cut?.fireKey} (attempt 2): alert`)
    const taken = (await firesOf(dir)).find((f) => f.fireKey === cut?.fireKey)
    expect(taken).toMatchObject({ attempts: 2, outcome: 'ok' })
    expect(taken?.owner).not.toBe(cut?.owner)
    // The incident's actions, cut off with A, were delivered by B for the same window.
    expect(alerts.length).toBeGreaterThanOrEqual(2)
    expect(
      alerts.slice(1).every((x) => x.incident === first.incident && x.window.end === first.window.end),
    ).toBe(true)
    {
      await using strata = await openStrata({ cwd: dir })
      const monitoring = await strata.monitoring()
      const report = await monitoring.report('linear-drift', Date.parse(first.window.start))
      expect(report.result.status).toBe('alert')
      const [incident] = await monitoring.incidents('linear-drift')
      expect(incident?.notifiedAt).not.toBeNull()
    }
  }, 300_000)
}

describe('scheduled monitor runs under SIGKILL of strata server [sqlite+fs]', () => {
  leaseKillSuite(async () => undefined)
})

describeWithService('postgres', 'scheduled monitor runs under SIGKILL of strata server [postgres]', (url) => {
  const freshSchema = freshSchemaUrls(url, 'lease')
  leaseKillSuite(freshSchema)
})
