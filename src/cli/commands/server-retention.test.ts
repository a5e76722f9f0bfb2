import { expect, it } from 'vitest'
import { archivedPredictionIds, predictionAt } from '../../../test/support/payload-entries.js'
import { tempProject } from '../../../test/support/temp-project.js'
import { openStrata } from '../../platform/index.js'
import { startPayloadRetention } from './server-retention.js'

const DAY = 86_400_000

it('strata server prunes the payload log to payloadLog.retainDays on its schedule; two servers at once archive each prediction once', async () => {
  await using project = await tempProject('strata-server-retention-')
  expect((await project.cli('init', '--bare')).code).toBe(0)
  const now = Date.now()
  const old = Array.from({ length: 40 }, (_, i) => predictionAt(now - 40 * DAY + i * 1000))
  const recent = Array.from({ length: 5 }, (_, i) => predictionAt(now - DAY + i * 1000))
  const config = { payloadLog: { retainDays: 30 } }
  await using a = await openStrata({ cwd: project.dir, config })
  await using b = await openStrata({ cwd: project.dir, config })
  await (await a.payloads()).write([...old, ...recent])

  await using none = await openStrata({ cwd: project.dir })
  expect(startPayloadRetention(none, { everyMs: 10 })).toBeUndefined()

  // Two servers of one project, each pruning every 20 ms.
  const errors: Error[] = []
  const stops = [a, b].map((s) => startPayloadRetention(s, { everyMs: 20, onError: (e) => errors.push(e) }))
  const payloads = await a.payloads()
  for (let i = 0; i < 500 && (await payloads.count()) > recent.length; i++) {
    await new Promise((r) => setTimeout(r, 20))
  }
  for (const stop of stops) await stop?.()
  expect(errors).toEqual([])
  expect(await payloads.count()).toBe(recent.length)

  const archived = await archivedPredictionIds(a)
  expect(archived.sort()).toEqual(old.map((e) => e.id).sort())
})

it('strata server refuses a --retention-poll-seconds that is not a number > 0', async () => {
  await using project = await tempProject('strata-server-retention-flag-')
  expect((await project.cli('init', '--bare')).code).toBe(0)
  const r = await project.cli('server', '--port', '0', '--retention-poll-seconds', '0')
  expect(r.code).not.toBe(0)
  expect(r.stderr).toContain('--retention-poll-seconds "0" is invalid; expected a number > 0')
}, 120_000)
