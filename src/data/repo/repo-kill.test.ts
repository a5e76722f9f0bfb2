import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { runKillChild } from '../../../test/support/kill-child.js'
import { testServiceContext } from '../../../test/support/service-context.js'
import { FsBlobStore } from '../../backends/blob/fs-blob-store.js'
import { DuckDbTableEngine } from '../../backends/table/index.js'
import { openMetadataDatabase, runMigrations } from '../../db/index.js'
import { lineageMigrations } from '../lineage/index.js'
import { dataMigrations } from './data-migrations.js'
import { DataRepository } from './data-repository.js'

const CHILD = fileURLToPath(new URL('../../../test/support/data-repo-kill-child.ts', import.meta.url))
const KILLS = 12

/** Starts the child; resolves once it has printed `lines` progress lines after "ready", then SIGKILLs it. */
async function runAndKill(
  dir: string,
  afterLines: number,
): Promise<{ committed: number; lastLine: string; exitSignal: string | null }> {
  let ready = false
  let seen = 0
  let committed = 0
  let lastLine = ''
  const exit = await runKillChild({
    module: CHILD,
    run: 'runKillChild',
    env: { KILL_CHILD_DIR: dir },
    onLine: (line, kill) => {
      lastLine = line
      if (line === 'ready') ready = true
      else if (line.startsWith('committed ')) committed++
      if (ready && line.startsWith('progress ') && ++seen === afterLines) kill()
    },
  })
  if (!exit.killed) throw new Error(`child exited before it was killed: ${exit.stderr}`)
  return { committed, lastLine, exitSignal: 'SIGKILL' }
}

describe('DataRepository crash safety [sqlite+fs]', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-kill-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('sqlite+fs: SIGKILL at random points mid-commit leaves a repository fsck finds clean and that accepts the next commit', async () => {
    let totalCommitted = 0
    const killedIn = new Set<string>()
    for (let k = 0; k < KILLS; k++) {
      // Progress lines per commit: ~1 store start + 3 stores + validate events + tree + commit.
      const afterLines = 1 + Math.floor(Math.random() * 40)
      const r = await runAndKill(dir, afterLines)
      totalCommitted += r.committed
      killedIn.add(r.lastLine.split(' ')[1] ?? r.lastLine)

      const metadata = await openMetadataDatabase({
        dialect: 'sqlite',
        location: join(dir, 'meta.db'),
        url: 'sqlite:kill',
      })
      await runMigrations(metadata, [...lineageMigrations, ...dataMigrations])
      const engine = await DuckDbTableEngine.open({ threads: 1 })
      const context = testServiceContext(metadata, { blobs: new FsBlobStore({ root: join(dir, 'blobs') }) })
      const repo = new DataRepository(context, {
        engine,
        cacheDir: join(dir, 'cache'),
        objects: { chunker: { minSize: 16 * 1024, avgSize: 64 * 1024, maxSize: 256 * 1024 } },
        leases: { ttlMs: 1000, pollMs: 50 },
      })
      try {
        const report = await repo.fsck()
        expect(report.problems, `after kill ${k} (line "${r.lastLine}")`).toEqual([])
        const next = await repo.commit('k', {
          message: `after kill ${k}`,
          changes: [{ path: `parent/${k}.txt`, bytes: Buffer.from(`survived ${k}`) }],
        })
        expect((await repo.resolve('k', 'main')).id).toBe(next.id)
        if (k === KILLS - 1) {
          // Leftovers of killed commits are unreachable garbage: gc removes them and fsck stays clean.
          const gc = await repo.gc({ dryRun: false, graceMs: 0 })
          expect(gc.deleted).toBe(gc.unreachable)
          expect((await repo.fsck()).problems).toEqual([])
          // A child may be killed after its ref moved but before it printed "committed".
          const history = (await repo.log('k')).length
          expect(history).toBeGreaterThanOrEqual(totalCommitted + KILLS)
          expect(history).toBeLessThanOrEqual(totalCommitted + 2 * KILLS)
        }
      } finally {
        await engine.close()
        await metadata.close()
      }
    }
    // The kills landed inside commits, in more than one phase.
    expect(killedIn.size).toBeGreaterThan(1)
  }, 300_000)
})
