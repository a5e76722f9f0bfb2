import { expect, it } from 'vitest'
import { testServiceContext } from '../../../test/support/service-context.js'
import { runMigrations } from '../../db/index.js'
import { describeMetadata } from '../../testing/metadata-fixture.js'
import { monitor } from './monitor-definition.js'
import { monitoringMigrations } from './monitor-migrations.js'
import { MonitorScheduler, type ScheduledMonitoring } from './monitor-scheduler.js'
import { MonitorStore } from './monitor-store.js'
import type { MonitorReport } from './monitor-types.js'

const HOUR = 3_600_000
const source = { kind: 'payload-log' as const }

describeMetadata('MonitorScheduler', (openFresh) => {
  it('runs a due monitor once per cron minute across several servers, on the window of the minute', async () => {
    const md = await openFresh()
    await runMigrations(md, monitoringMigrations)
    const clock = { t: Date.UTC(2024, 3, 1, 10, 0, 30) }
    const runs: { server: number; monitor: string; windowEnd: number | undefined }[] = []
    const server = (n: number) => {
      const store = new MonitorStore(testServiceContext(md, { now: () => clock.t }))
      const service: ScheduledMonitoring = {
        list: () => store.list(),
        claimScheduledRun: (m, key) => store.claimFire(m, key),
        run: async (name, options) => {
          runs.push({ server: n, monitor: name, windowEnd: options.windowEnd })
          return { result: { status: 'ok' } } as MonitorReport
        },
        advanceLoops: async () => ({ loops: [], errors: [] }),
      }
      return { store, scheduler: new MonitorScheduler(service, { now: () => clock.t }) }
    }
    const servers = [server(1), server(2), server(3)]
    await servers[0]?.store.apply([
      monitor({ name: 'hourly', model: 'm', schedule: '0 * * * *', window: { every: '1h', source } }),
      monitor({ name: 'minutely', model: 'm', schedule: '* * * * *', window: { every: '30m', source } }),
      monitor({ name: 'on-demand', model: 'm', window: { every: '1h', source } }),
    ])
    await Promise.all(servers.map((s) => s.scheduler.runDue()))
    expect(runs.map((r) => [r.monitor, r.windowEnd]).sort()).toEqual([
      ['hourly', Date.UTC(2024, 3, 1, 10)],
      ['minutely', Date.UTC(2024, 3, 1, 10)],
    ])
    // The same minute again: nothing; the next minute: only the minutely monitor, once.
    await Promise.all(servers.map((s) => s.scheduler.runDue()))
    expect(runs).toHaveLength(2)
    clock.t += 60_000
    await Promise.all(servers.map((s) => s.scheduler.runDue()))
    expect(runs.slice(2).map((r) => r.monitor)).toEqual(['minutely'])
    // A server down for longer than the grace skips the minutes it missed.
    clock.t += 10 * 60_000 + HOUR
    const late = new MonitorScheduler(
      {
        list: () => servers[0]?.store.list() ?? Promise.resolve([]),
        claimScheduledRun: () => Promise.resolve(true),
        run: async () => ({ result: { status: 'ok' } }) as MonitorReport,
        advanceLoops: async () => ({ loops: [], errors: [] }),
      },
      { now: () => clock.t },
    )
    expect((await late.runDue()).map((r) => r.monitor)).toEqual(['minutely'])
  })
})
