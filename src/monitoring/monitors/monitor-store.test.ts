import { expect, it } from 'vitest'
import { testServiceContext } from '../../../test/support/service-context.js'
import { strataRejection } from '../../../test/support/strata-error.js'
import { runMigrations } from '../../db/index.js'
import { describeMetadata } from '../../testing/metadata-fixture.js'
import { monitor } from './monitor-definition.js'
import { monitoringMigrations } from './monitor-migrations.js'
import { MonitorStore } from './monitor-store.js'
import type { MonitorResult } from './monitor-types.js'

const def = monitor({
  name: 'm1',
  model: 'delay',
  window: { every: '1h', source: { kind: 'dataset', dataset: 'scored', path: 's.jsonl', timeColumn: 'ts' } },
})
const H = 3_600_000
const window = (i: number, status: MonitorResult['status']) => ({
  monitor: 'm1',
  windowStart: i * H,
  windowEnd: (i + 1) * H,
  model: 'delay',
  referenceVersion: 1,
  status,
  rows: status === 'no-data' ? 0 : 10,
  tested: 2,
  drifted: status === 'alert' ? 2 : 0,
  datasetDrift: status === 'alert',
  qualityFailed: 0,
})
const details = { drift: null, quality: [], window: null, actions: [] }

describeMetadata('MonitorStore', (openFresh) => {
  it('applies definitions idempotently, records a time series, and opens one incident per run of alerting windows', async () => {
    const md = await openFresh()
    await runMigrations(md, monitoringMigrations)
    let now = 1000
    const store = new MonitorStore(testServiceContext(md, { now: () => now++ }))
    expect(await store.apply([def])).toEqual({ created: ['m1'], updated: [], unchanged: [] })
    expect(await store.apply([def])).toEqual({ created: [], updated: [], unchanged: ['m1'] })
    expect((await store.get('m1')).windowMs).toBe(H)
    expect((await strataRejection(store.get('m2'))).message).toMatch(
      /"m2" is not applied; applied monitors: m1/,
    )

    const a = await store.record(window(0, 'alert'), details)
    expect(a.opened).toBe(true)
    const b = await store.record(window(1, 'alert'), details)
    expect(b).toMatchObject({ opened: false, incident: { id: a.incident?.id, windows: 2 } })
    await store.notified(a.incident?.id as string, [
      { kind: 'webhook', target: 'http://x', ok: true, attempts: 1, detail: 'HTTP 200' },
    ])
    await store.record(window(2, 'no-data'), details)
    expect((await store.incidents('m1'))[0]?.closedAt).toBeNull()
    await store.record(window(3, 'ok'), details)
    const c = await store.record(window(4, 'alert'), details)
    expect(c.opened).toBe(true)
    // Re-running a window replaces its result, and is not a second window of its incident.
    const again = await store.record(window(4, 'alert'), details)
    expect(again).toMatchObject({ opened: false, incident: { id: c.incident?.id, windows: 1 } })

    const history = await store.history('m1')
    expect(history.map((r) => [r.windowStart / H, r.status])).toEqual([
      [4, 'alert'],
      [3, 'ok'],
      [2, 'no-data'],
      [1, 'alert'],
      [0, 'alert'],
    ])
    expect(typeof history[0]?.windowStart).toBe('number')
    const incidents = await store.incidents('m1')
    expect(incidents.map((i) => [i.windows, i.closedAt === null, i.actions.length])).toEqual([
      [1, true, 0],
      [2, false, 1],
    ])
    expect((await store.report('m1', 0)).actions).toEqual([
      { kind: 'webhook', target: 'http://x', ok: true, attempts: 1, detail: 'HTTP 200' },
    ])
  })
})
