import { expect, it } from 'vitest'
import { runMigrations } from '../../db/index.js'
import { describeMetadata } from '../../testing/metadata-fixture.js'
import { type DataTables, dataMigrations } from './data-migrations.js'
import { LeaseTable } from './lease-table.js'

describeMetadata('LeaseTable', (openFresh) => {
  it('stamps and expires leases on the context clock, not the wall clock', async () => {
    const metadata = await openFresh()
    await runMigrations(metadata, dataMigrations)
    const db = metadata.db.withTables<DataTables>()
    const clock = { t: 1_700_000_000_000 }
    // No heartbeat during the test: only the clock decides when the lease is stale.
    const leases = new LeaseTable(db, { now: () => clock.t }, { ttlMs: 60_000, heartbeatMs: 3_600_000 })
    const commit = await leases.acquireCommit()
    const row = await db.selectFrom('data_leases').selectAll().where('id', '=', commit.id).executeTakeFirst()
    expect([row?.started_at, row?.expires_at].map(Number)).toEqual([clock.t, clock.t + 60_000])
    expect(await leases.countStale()).toBe(0)

    // A minute later on the context clock (milliseconds on the wall clock) the holder is dead.
    clock.t += 60_000
    expect(await leases.countStale()).toBe(1)
    const gc = await leases.acquireGc()
    expect(await leases.countStale()).toBe(0)
    expect(await commit.renew()).toBe(false)
    expect(commit.lost).toBe(true)
    await gc.release()
    await commit.release()
  })
})
