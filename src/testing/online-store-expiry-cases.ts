import { expect, type it } from 'vitest'
import type { OnlineStore } from '../ports/index.js'
import type { OnlineStoreCase } from './online-store-case.js'
import { FAR_FUTURE, PAST } from './online-store-model.js'

/** How the expiry cases run: skipped (with the reason in the test name) unless the store supports them. */
export interface ExpiryCaseOptions {
  /** `it`, or `it.skip` when the store declares no TTL support. */
  ttlIt: typeof it | typeof it.skip
  ttlNote: string
  /** `it`, or `it.skip` without a store that judges expiry by a given clock. */
  clockIt: typeof it | typeof it.skip
  clockNote: string
  createWithClock: ((now: () => number) => OnlineStore | Promise<OnlineStore>) | undefined
}

/** The expiry cases of the online-store suite: `expiresAt` on reads, on writes, and as the clock passes it. */
export function expiryCases(c: OnlineStoreCase, o: ExpiryCaseOptions): void {
  const { ttlIt, ttlNote, clockIt, clockNote } = o
  ttlIt(`${c.name}: reads a field past its expiresAt as missing${ttlNote}`, async () => {
    const n = c.ns()
    await c
      .store()
      .write(n, [
        c.w('gone', 'f', 'old', 1, PAST),
        c.w('mixed', 'dead', 'x', 1, PAST),
        c.w('mixed', 'live', 'y', 1, FAR_FUTURE),
        c.w('mixed', 'plain', 'z', 1),
      ])
    expect(await c.store().read(n, ['gone', 'mixed'])).toEqual([
      undefined,
      { live: { value: 'y', eventTime: 1 }, plain: { value: 'z', eventTime: 1 } },
    ])
    expect(await c.store().read(n, ['mixed'], ['dead'])).toEqual([undefined])
  })

  ttlIt(`${c.name}: treats an expired field as absent when writing${ttlNote}`, async () => {
    const n = c.ns()
    await c.store().write(n, [c.w('a', 'f', 'expired', 100, PAST)])
    expect(await c.store().write(n, [c.w('a', 'f', 'older but live', 50)])).toEqual({
      written: 1,
      skipped: 0,
    })
    expect(await c.store().read(n, ['a'])).toEqual([{ f: { value: 'older but live', eventTime: 50 } }])
    await c.store().write(n, [c.w('a', 'f', 'expiring', 60, FAR_FUTURE)])
    expect(await c.store().write(n, [c.w('a', 'f', 'older', 55)])).toEqual({ written: 0, skipped: 1 })
    expect(await c.store().write(n, [c.w('a', 'f', 'forever', 70)])).toEqual({ written: 1, skipped: 0 })
    expect(await c.store().read(n, ['a'])).toEqual([{ f: { value: 'forever', eventTime: 70 } }])
  })

  clockIt(`${c.name}: reads a field as missing once the clock passes its expiresAt${clockNote}`, async () => {
    let now = Date.now()
    const hour = 3_600_000
    const timed = await o.createWithClock!(() => now)
    try {
      const n = c.ns()
      await timed.write(n, [
        c.w('a', 'f', 'expiring', 1, now + hour),
        c.w('a', 'g', 'forever', 1),
        c.w('b', 'f', 'only', 1, now + hour),
      ])
      expect(await timed.read(n, ['a', 'b'])).toEqual([
        { f: { value: 'expiring', eventTime: 1 }, g: { value: 'forever', eventTime: 1 } },
        { f: { value: 'only', eventTime: 1 } },
      ])
      now += 2 * hour
      expect(await timed.read(n, ['a', 'b'])).toEqual([{ g: { value: 'forever', eventTime: 1 } }, undefined])
      expect(await timed.read(n, ['a'], ['f'])).toEqual([undefined])
      expect(await timed.write(n, [c.w('a', 'f', 'older', 0)])).toEqual({ written: 1, skipped: 0 })
      expect(await timed.read(n, ['a', 'b'])).toEqual([
        { f: { value: 'older', eventTime: 0 }, g: { value: 'forever', eventTime: 1 } },
        undefined,
      ])
      await timed.deleteNamespace(n)
    } finally {
      await timed.close()
    }
  })
}
