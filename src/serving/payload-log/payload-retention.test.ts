import { expect, it } from 'vitest'
import { archivedPredictionIds, predictionAt } from '../../../test/support/payload-entries.js'
import { tempProject } from '../../../test/support/temp-project.js'
import { openStrata } from '../../platform/index.js'
import { prunePayloadLog } from './payload-retention.js'

const DAY = 86_400_000

it('of two prunes that read the same archive head, the one that commits second stops with CONFLICT and archives nothing twice', async () => {
  await using project = await tempProject('strata-prune-race-')
  expect((await project.cli('init', '--bare')).code).toBe(0)
  await using strata = await openStrata({ cwd: project.dir })
  const now = Date.now()
  const old = Array.from({ length: 30 }, (_, i) => predictionAt(now - 40 * DAY + i * 1000))
  const payloads = await strata.payloads()
  await payloads.write(old)
  const common = {
    engine: await strata.offline(),
    before: now - 30 * DAY,
    archive: { repo: await strata.data() },
  }

  // B reads the archive head, then waits in its first scan until A archived its first segment.
  let opened!: () => void
  const gate = new Promise<void>((r) => {
    opened = r
  })
  const slowStore = {
    ...payloads,
    count: payloads.count.bind(payloads),
    deleteBefore: payloads.deleteBefore.bind(payloads),
    labelsOf: payloads.labelsOf.bind(payloads),
    async *scan(query: Parameters<typeof payloads.scan>[0]) {
      await gate
      yield* payloads.scan(query)
    },
  }
  const b = prunePayloadLog({ ...common, store: slowStore, segmentRows: 15 }).catch((err: unknown) => err)
  await new Promise((r) => setTimeout(r, 50))
  const a = await prunePayloadLog({
    ...common,
    store: payloads,
    segmentRows: 10,
    onStep: (s) => {
      if (s.kind === 'archived') opened()
    },
  })
  expect(a).toMatchObject({ archived: 30, deleted: 30 })
  expect(await b).toMatchObject({
    code: 'CONFLICT',
    message: expect.stringContaining('another prune'),
  })

  const archived = await archivedPredictionIds(strata)
  expect(archived.sort()).toEqual(old.map((e) => e.id).sort())
})
