/**
 * The subprocess of `src/data/repo/repo-kill.test.ts`: commits to one dataset in a loop (small files, a
 * chunked file, a CSV, deletes) and prints each progress event, so the parent can SIGKILL it
 * at any point. Run through jiti; configured by the environment variables below.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
// The file store alone: the blob index would also load the S3 client into every child.
import { FsBlobStore } from '../../src/backends/blob/fs-blob-store.js'
import { DuckDbTableEngine } from '../../src/backends/table/index.js'
import { systemClock } from '../../src/core/clock.js'
import { isStrataError } from '../../src/core/errors.js'
import { silentTracing } from '../../src/core/tracing.js'
import { DataRepository, dataMigrations, LineageGraphStore, lineageMigrations } from '../../src/data/index.js'
import { openMetadataDatabase, runMigrations } from '../../src/db/index.js'

/** Runs the commit loop until killed (or `KILL_CHILD_COMMITS` commits are done). */
export async function runKillChild(): Promise<void> {
  const dir = process.env.KILL_CHILD_DIR as string
  const metadata = await openMetadataDatabase({
    dialect: 'sqlite',
    location: join(dir, 'meta.db'),
    url: 'sqlite:kill',
  })
  await runMigrations(metadata, [...lineageMigrations, ...dataMigrations])
  const engine = await DuckDbTableEngine.open({ threads: 1 })
  // Built by hand: the file blob store alone keeps the S3 client out of every child.
  const context = {
    metadata,
    blobs: new FsBlobStore({ root: join(dir, 'blobs'), staleTempMs: 0 }),
    lineage: new LineageGraphStore(metadata, systemClock),
    principal: { id: 'kill-child' },
    clock: systemClock,
    tracing: silentTracing,
  }
  const repo = new DataRepository(context, {
    engine,
    cacheDir: join(dir, 'cache'),
    objects: { chunker: { minSize: 16 * 1024, avgSize: 64 * 1024, maxSize: 256 * 1024 }, concurrency: 4 },
    leases: { ttlMs: 1000 },
  })
  await repo.createDataset('k').catch((err: unknown) => {
    if (!isStrataError(err, 'ALREADY_EXISTS')) throw err
  })
  process.stdout.write('ready\n')
  const limit = Number(process.env.KILL_CHILD_COMMITS ?? Number.POSITIVE_INFINITY)
  for (let i = 0; i < limit; i++) {
    const n = `${process.pid}-${i}`
    const rows = Array.from({ length: 50 }, (_, r) => `${r},${Math.random()}`).join('\n')
    const commit = await repo.commit('k', {
      message: `loop ${n}`,
      changes: [
        { path: `small/${n}.txt`, bytes: randomBytes(100) },
        { path: `big/${i % 3}.bin`, bytes: randomBytes(600 * 1024 + i) },
        { path: `tables/${i % 2}.csv`, bytes: Buffer.from(`id,v\n${rows}\n`) },
        ...(i % 4 === 3 ? [{ path: 'small', delete: true as const }] : []),
      ],
      onProgress: (p) => process.stdout.write(`progress ${p.phase} ${p.done}/${p.total}\n`),
    })
    process.stdout.write(`committed ${commit.id}\n`)
  }
  await engine.close()
  await metadata.close()
}
