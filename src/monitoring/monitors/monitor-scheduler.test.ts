import { expect, it } from 'vitest'
import { testServiceContext } from '../../../test/support/service-context.js'
import { runMigrations } from '../../db/index.js'
import { describeMetadata } from '../../testing/metadata-fixture.js'
import { monitor } from './monitor-definition.js'
import { monitoringMigrations } from './monitor-migrations.js'
import { MonitorScheduler, type ScheduledMonitoring } from './monitor-scheduler.js'
import { MonitorStore } from './monitor-store.js'
import type { MonitorReport } from './monitor-types.js'
import { ScheduleFireStore } from './schedule-fires.js'

const HOUR = 3_600_000
const source = { kind: 'payload-log' as const }

describeMetadata('MonitorScheduler', (openFresh) => {
  it('runs a due monitor once per cron minute across several servers, on the window of the minute', async () => {
    const md = await openFresh()
    await runMigrations(md, monitoringMigrations)
    const clock = { t: Date.UTC(2024, 3, 1, 10, 0, 30) }
    const runs: { server: number; monitor: string; windowEnd: number | undefined }[] = []
    const server = (n: number) => {
      const ctx = testServiceContext(md, { now: () => clock.t })
      const store = new MonitorStore(ctx)
      const fires = new ScheduleFireStore(ctx)
      const service: ScheduledMonitoring = {
        list: () => store.list(),
        scheduleFires: fires,
        run: async (name, options) => {
          runs.push({ server: n, monitor: name, windowEnd: options.windowEnd })
          return { result: { status: 'ok' } } as MonitorReport
        },
        advanceLoops: async () => ({ loops: [], errors: [] }),
      }
      return { store, fires, scheduler: new MonitorScheduler(service, { now: () => clock.t }) }
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
        scheduleFires: servers[0]?.fires as ScheduleFireStore,
        run: async () => ({ result: { status: 'ok' } }) as MonitorReport,
        advanceLoops: async () => ({ loops: [], errors: [] }),
      },
      { now: () => clock.t },
    )
    expect((await late.runDue()).map((r) => r.monitor)).toEqual(['minutely'])
  })
  it('takes over a run whose server died (its lease expired) on the same window, and gives up after maxAttempts', async () => {
    const md = await openFresh()
    await runMigrations(md, monitoringMigrations)
    const clock = { t: Date.UTC(2024, 3, 1, 10, 0, 30) }
    const ctx = testServiceContext(md, { now: () => clock.t })
    const store = new MonitorStore(ctx)
    const fires = new ScheduleFireStore(ctx)
    await store.apply([
      monitor({ name: 'hourly', model: 'm', schedule: '0 * * * *', window: { every: '1h', source } }),
    ])
    const runs: { server: string; windowEnd: number | undefined }[] = []
    const scheduler = (name: string, hang: boolean) =>
      new MonitorScheduler(
        {
          list: () => store.list(),
          scheduleFires: fires,
          run: (_monitor, options) => {
            runs.push({ server: name, windowEnd: options.windowEnd })
            // a server killed mid-run: the run never ends, the lease is never renewed or ended
            return hang
              ? new Promise<MonitorReport>(() => {})
              : Promise.resolve({ result: { status: 'ok' } } as MonitorReport)
          },
          advanceLoops: async () => ({ loops: [], errors: [] }),
        },
        { now: () => clock.t },
        { leaseMs: 600_000 },
      )
    const fireKey = new Date(Date.UTC(2024, 3, 1, 10)).toISOString()
    void scheduler('a', true).runDue()
    await expect.poll(() => runs.length).toBe(1)
    // While the lease is live nobody else runs the minute.
    expect(await scheduler('b', false).runDue()).toEqual([])
    expect(await fires.fire('hourly', fireKey)).toMatchObject({ attempts: 1, doneAt: null })
    // The lease expires (past the cron grace too): b takes the run over, on the same window.
    clock.t += 601_000
    const [taken] = await scheduler('b', false).runDue()
    expect(taken).toMatchObject({
      monitor: 'hourly',
      fireKey,
      attempt: 2,
      windowEnd: Date.UTC(2024, 3, 1, 10),
    })
    expect(runs.map((r) => r.server)).toEqual(['a', 'b'])
    expect(await fires.fire('hourly', fireKey)).toMatchObject({ attempts: 2, outcome: 'ok' })
    expect(await scheduler('c', false).runDue()).toEqual([])

    // A run that keeps dying is given up after maxAttempts claims (3), reported.
    clock.t = Date.UTC(2024, 3, 1, 11, 0, 10)
    const hourKey = new Date(Date.UTC(2024, 3, 1, 11)).toISOString()
    void scheduler('d', true).runDue()
    await expect.poll(() => runs.length).toBe(3)
    for (const server of ['e', 'f']) {
      clock.t += 601_000
      void scheduler(server, true).runDue()
      await expect.poll(() => runs.at(-1)?.server).toBe(server)
    }
    clock.t += 601_000
    const errors: string[] = []
    const last = new MonitorScheduler(
      {
        list: () => store.list(),
        scheduleFires: fires,
        run: () => Promise.reject(new Error('not run')),
        advanceLoops: async () => ({ loops: [], errors: [] }),
      },
      { now: () => clock.t },
      { leaseMs: 600_000, onError: (e) => errors.push(e.message) },
    )
    expect(await last.runDue()).toEqual([])
    expect(await fires.fire('hourly', hourKey)).toMatchObject({ attempts: 3, outcome: 'abandoned' })
    expect(errors).toEqual([expect.stringMatching(/cut off 3 times; given up/)])
  })
})
