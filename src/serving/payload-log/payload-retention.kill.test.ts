import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { runKillChild } from '../../../test/support/kill-child.js'
import { archivedPredictionIds, predictionAt } from '../../../test/support/payload-entries.js'
import { openStrata } from '../../platform/index.js'

const CHILD = fileURLToPath(new URL('../../../test/support/payload-prune-kill-child.ts', import.meta.url))
const DAY = 86_400_000

describe('payload-log retention crash safety', { timeout: 300_000 }, () => {
  const dirs: string[] = []
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  it('kill -9 at random steps of a prune loses no prediction, archives none twice, and the next prune finishes the job', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-prune-kill-'))
    dirs.push(dir)
    const now = Date.now()
    const old = Array.from({ length: 30 }, (_, i) => predictionAt(now - 40 * DAY + i * 1000))
    const recent = Array.from({ length: 5 }, (_, i) => predictionAt(now - DAY + i * 1000))
    const all = new Set([...old, ...recent].map((e) => e.id))
    {
      await using strata = await openStrata({ cwd: dir })
      await (await strata.payloads()).write([...old, ...recent])
    }
    const check = async () => {
      await using strata = await openStrata({ cwd: dir })
      const live: string[] = []
      for await (const r of (await strata.payloads()).scan({ limit: 1000 })) live.push(r.id)
      const archived = await archivedPredictionIds(strata)
      if (archived.length > 0) expect((await (await strata.data()).fsck()).problems).toEqual([])
      // each archived once, every prediction somewhere, nothing invented
      expect(new Set(archived).size).toBe(archived.length)
      const union = new Set([...live, ...archived])
      expect([...all].filter((id) => !union.has(id))).toEqual([])
      expect([...union].filter((id) => !all.has(id))).toEqual([])
      return { live, archived }
    }
    const env = { KILL_CHILD_DIR: dir, KILL_CHILD_BEFORE: String(now - 30 * DAY) }
    let kills = 0
    for (let k = 0; k < 3; k++) {
      const afterSteps = 1 + Math.floor(Math.random() * 3)
      let steps = 0
      const exit = await runKillChild({
        module: CHILD,
        run: 'runPruneKillChild',
        env,
        onLine: (line, kill) => {
          if (line.startsWith('step ') && ++steps === afterSteps) kill()
        },
      })
      if (exit.killed) kills++
      await check()
    }
    expect(kills).toBeGreaterThan(0)
    const last = await runKillChild({ module: CHILD, run: 'runPruneKillChild', env, onLine: () => {} })
    expect(last.killed).toBe(false)
    const { live, archived } = await check()
    expect(live.sort()).toEqual(recent.map((e) => e.id).sort())
    expect(archived.sort()).toEqual(old.map((e) => e.id).sort())
  })
})
