/**
 * The subprocess of `src/serving/payload-log/payload-retention.kill.test.ts`: opens the project
 * in `KILL_CHILD_DIR` and prunes the payload log before `KILL_CHILD_BEFORE` in segments of 4,
 * printing `step <archived|deleted>` after each step and `done` at the end, so the parent can
 * SIGKILL it between (and during) archive commits and deletes.
 */
import { openStrata } from '../../src/platform/index.js'
import { prunePayloadLog } from '../../src/serving/index.js'

export async function runPruneKillChild(): Promise<void> {
  await using strata = await openStrata({ cwd: process.env.KILL_CHILD_DIR ?? '' })
  await prunePayloadLog({
    store: await strata.payloads(),
    engine: await strata.offline(),
    before: Number(process.env.KILL_CHILD_BEFORE),
    archive: { repo: await strata.data() },
    segmentRows: 4,
    onStep: (s) => process.stdout.write(`step ${s.kind}\n`),
  })
  process.stdout.write('done\n')
}
