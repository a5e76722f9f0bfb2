/**
 * Benchmark: committing 2 GiB over 10,000 mixed-size files to a versioned dataset, against
 * `sha256sum` (the hashing limit) and `dvc add`; then a re-commit after changing 1% of the
 * files and appending 1 MiB to the 1 GiB file, reporting bytes written vs bytes changed.
 *
 * Run (from the repository root; dvc optional, in a venv):
 *   python3 -m venv /tmp/dvcenv && /tmp/dvcenv/bin/pip install dvc
 *   node --import jiti/register bench/data-commit.bench.ts [--dir /tmp/strata-bench] [--dvc /tmp/dvcenv/bin/dvc] [--files 10000] [--gib 2]
 *
 * Everything runs warm (the files are in the page cache; each timed command runs after one
 * warm-up read). Backends: SQLite metadata and the file-system blob store on the same disk.
 */
import { execFileSync, execSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { FsBlobStore } from '../src/backends/blob/fs-blob-store.js'
import { MemoryBlobStore } from '../src/backends/memory/index.js'
import { DuckDbTableEngine } from '../src/backends/table/index.js'
import { lineageMigrations } from '../src/data/lineage/index.js'
import { DataRepository, dataMigrations } from '../src/data/repo/index.js'
import { openMetadataDatabase, runMigrations } from '../src/db/index.js'
import type { BlobInfo, BlobStore } from '../src/ports/index.js'
import { createRng } from '../src/training/random.js'
import { testServiceContext } from '../test/support/service-context.js'

const MiB = 1024 * 1024

/**
 * A file-system blob store without fsync (write to a temporary file, rename), like the copy
 * `dvc add` makes into its cache: the benchmark's measure of what durability costs.
 */
class NoSyncFsBlobStore implements BlobStore {
  readonly kind = 'fs-nosync'
  readonly capabilities = { localPaths: true }
  constructor(private readonly root: string) {}
  private path(key: string): string {
    return join(this.root, ...key.split('/'))
  }
  async put(key: string, body: Uint8Array | AsyncIterable<Uint8Array>): Promise<BlobInfo> {
    const target = this.path(key)
    await mkdir(dirname(target), { recursive: true })
    const temp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
    if (body instanceof Uint8Array) await writeFile(temp, body)
    else await pipeline(body, createWriteStream(temp))
    await rename(temp, target)
    return { key, size: (await stat(target)).size }
  }
  async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    return createReadStream(this.path(key))
  }
  async stat(key: string): Promise<BlobInfo | undefined> {
    const s = await stat(this.path(key)).catch(() => undefined)
    return s?.isFile() ? { key, size: s.size, modifiedAt: s.mtime } : undefined
  }
  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const walk = async function* (dir: string, base: string): AsyncGenerator<BlobInfo> {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const key = base === '' ? e.name : `${base}/${e.name}`
        if (e.isDirectory()) yield* walk(join(dir, e.name), key)
        else if (key.startsWith(prefix) && !key.endsWith('.tmp'))
          yield { key, size: (await stat(join(dir, e.name))).size }
      }
    }
    yield* walk(this.root, '')
  }
  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true })
  }
  localPath(key: string): string {
    return this.path(key)
  }
  async close(): Promise<void> {}
}
const { values: args } = parseArgs({
  options: {
    dir: { type: 'string', default: '/tmp/strata-bench' },
    dvc: { type: 'string', default: '/tmp/dvcenv/bin/dvc' },
    files: { type: 'string', default: '10000' },
    gib: { type: 'string', default: '2' },
  },
})
const root = args.dir as string
const dataDir = join(root, 'data')
const fileCount = Number(args.files)
const totalBytes = Math.round(Number(args.gib) * 1024 * MiB)
const bigSize = Math.round(totalBytes / 2)

/** Deterministic uniform draws in [0, 1) (the trainers' seeded mulberry32). */
const rng = (seed: number): (() => number) => createRng(seed).next

function logUniform(r: () => number, lo: number, hi: number): number {
  return Math.exp(Math.log(lo) + r() * (Math.log(hi) - Math.log(lo)))
}

/** One 1 GiB file (half the total) plus `fileCount - 1` files of mixed sizes summing to the other half. */
function plan(): { path: string; size: number }[] {
  const r = rng(42)
  const raw: number[] = []
  for (let i = 0; i < fileCount - 1; i++) {
    const bucket = r()
    raw.push(
      bucket < 0.9
        ? logUniform(r, 1024, 64 * 1024)
        : bucket < 0.995
          ? logUniform(r, 64 * 1024, 2 * MiB)
          : logUniform(r, 2 * MiB, 32 * MiB),
    )
  }
  const scale = (totalBytes - bigSize) / raw.reduce((a, b) => a + b, 0)
  const files = raw.map((s, i) => ({
    path: `d${String(i % 100).padStart(2, '0')}/f${String(i).padStart(5, '0')}.bin`,
    size: Math.max(1, Math.round(s * scale)),
  }))
  files.push({ path: 'big/huge.bin', size: bigSize })
  return files
}

function writeRandom(path: string, size: number, flag = 'w'): void {
  const fd = openSync(path, flag)
  try {
    for (let done = 0; done < size; ) {
      const n = Math.min(16 * MiB, size - done)
      writeSync(fd, randomBytes(n))
      done += n
    }
  } finally {
    closeSync(fd)
  }
}

/** Writes the files afresh (a previous run modified them). */
function generate(files: { path: string; size: number }[]): void {
  rmSync(dataDir, { recursive: true, force: true })
  for (const f of files) {
    mkdirSync(join(dataDir, f.path, '..'), { recursive: true })
    writeRandom(join(dataDir, f.path), f.size)
  }
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const t = performance.now()
  const value = fn()
  return { ms: performance.now() - t, value }
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now()
  const value = await fn()
  return { ms: performance.now() - t, value }
}

function sha256sumAll(): number {
  const cmd = `find ${JSON.stringify(dataDir)} -type f -print0 | xargs -0 sha256sum > /dev/null`
  execSync(cmd) // warm-up
  return time(() => execSync(cmd)).ms
}

async function storedBytes(blobs: BlobStore): Promise<{ bytes: number; blobs: number }> {
  let bytes = 0
  let n = 0
  for await (const b of blobs.list('data/')) {
    bytes += b.size
    n++
  }
  return { bytes, blobs: n }
}

async function openRepo(dir: string, blobStore?: BlobStore) {
  mkdirSync(dir, { recursive: true })
  const metadata = await openMetadataDatabase({
    dialect: 'sqlite',
    location: join(dir, 'meta.db'),
    url: 'sqlite:bench',
  })
  await runMigrations(metadata, [...lineageMigrations, ...dataMigrations])
  const engine = await DuckDbTableEngine.open({ threads: 2 })
  const blobs = blobStore ?? new FsBlobStore({ root: join(dir, 'blobs') })
  const context = testServiceContext(metadata, { blobs })
  const config = { engine, cacheDir: join(dir, 'cache') }
  const repo = new DataRepository(context, config)
  return {
    repo,
    blobs,
    context,
    config,
    close: async () => {
      await engine.close()
      await metadata.close()
    },
  }
}

function dvcAdd(dvc: string): number {
  return time(() => execFileSync(dvc, ['add', '-q', 'data'], { cwd: root, stdio: 'pipe' })).ms
}

function peakRss(): { stop: () => number } {
  let peak = process.memoryUsage().rss
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 50)
  return {
    stop: () => {
      clearInterval(timer)
      return Math.max(peak, process.memoryUsage().rss)
    },
  }
}

const gib = (n: number) => (n / 1024 / MiB).toFixed(2)
const mbps = (bytes: number, ms: number) => (bytes / MiB / (ms / 1000)).toFixed(0)

async function main(): Promise<void> {
  mkdirSync(root, { recursive: true })
  const files = plan()
  const total = files.reduce((a, f) => a + f.size, 0)
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, node ${process.version}`)
  console.log(
    `data: ${files.length} files, ${gib(total)} GiB in ${dataDir} (largest ${gib(bigSize)} GiB; median ${files.map((f) => f.size).sort((a, b) => a - b)[files.length >> 1]} B)`,
  )
  const gen = time(() => generate(files))
  console.log(`generate: ${(gen.ms / 1000).toFixed(1)} s`)

  const sumMs = sha256sumAll()
  console.log(`sha256sum: ${(sumMs / 1000).toFixed(2)} s (${mbps(total, sumMs)} MiB/s)`)

  const store = join(root, 'store')
  rmSync(store, { recursive: true, force: true })
  const r = await openRepo(store)
  await r.repo.createDataset('bench')
  const rss1 = peakRss()
  const first = await timeAsync(() =>
    r.repo.commit('bench', { message: 'initial', changes: [{ path: '', source: dataDir }] }),
  )
  const peak1 = rss1.stop()
  const written1 = await storedBytes(r.blobs)
  console.log(
    `strata commit: ${(first.ms / 1000).toFixed(2)} s (${mbps(total, first.ms)} MiB/s, ${((sumMs / first.ms) * 100).toFixed(0)}% of sha256sum), wrote ${gib(written1.bytes)} GiB in ${written1.blobs} blobs, peak RSS ${(peak1 / MiB).toFixed(0)} MiB`,
  )

  // The same pipeline against stores that do not fsync: what the durable writes cost.
  for (const variant of ['memory', 'fs-nosync'] as const) {
    const blobs = variant === 'memory' ? new MemoryBlobStore() : new NoSyncFsBlobStore(join(root, 'nosync'))
    const v = await openRepo(join(root, `store-${variant}`), blobs)
    await v.repo.createDataset('bench')
    const run = await timeAsync(() =>
      v.repo.commit('bench', { message: 'initial', changes: [{ path: '', source: dataDir }] }),
    )
    console.log(
      `strata commit, ${variant} blob store: ${(run.ms / 1000).toFixed(2)} s (${mbps(total, run.ms)} MiB/s, ${((sumMs / run.ms) * 100).toFixed(0)}% of sha256sum)`,
    )
    await v.close()
    rmSync(join(root, 'nosync'), { recursive: true, force: true })
    rmSync(join(root, `store-${variant}`), { recursive: true, force: true })
  }

  let dvcMs: number | undefined
  const dvc = args.dvc as string
  if (existsSync(dvc)) {
    rmSync(join(root, '.dvc'), { recursive: true, force: true })
    rmSync(join(root, 'data.dvc'), { force: true })
    execFileSync(dvc, ['init', '--no-scm', '-q'], { cwd: root })
    dvcMs = dvcAdd(dvc)
    console.log(
      `dvc add: ${(dvcMs / 1000).toFixed(2)} s (${mbps(total, dvcMs)} MiB/s); strata is ${(dvcMs / first.ms).toFixed(1)}× faster`,
    )
  } else console.log(`dvc add: skipped (${dvc} not found)`)

  // Re-commit: rewrite 1% of the files (same sizes, new bytes) and append 1 MiB to the 1 GiB file.
  const pick = rng(7)
  const small = files.filter((f) => f.path !== 'big/huge.bin')
  const changed = new Set<string>()
  while (changed.size < Math.round(files.length / 100))
    changed.add((small[Math.floor(pick() * small.length)] as { path: string }).path)
  let changedBytes = MiB
  for (const p of changed) {
    const size = statSync(join(dataDir, p)).size
    writeRandom(join(dataDir, p), size)
    changedBytes += size
  }
  writeRandom(join(dataDir, 'big/huge.bin'), MiB, 'a')
  const totalAfter = total + MiB
  const rss2 = peakRss()
  const second = await timeAsync(() =>
    r.repo.commit('bench', { message: 'update', changes: [{ path: '', source: dataDir }] }),
  )
  const peak2 = rss2.stop()
  const written2 = await storedBytes(r.blobs)
  const delta = written2.bytes - written1.bytes
  console.log(
    `strata re-commit: ${(second.ms / 1000).toFixed(2)} s; changed ${changed.size} files + 1 MiB append = ${(changedBytes / MiB).toFixed(1)} MiB; wrote ${(delta / MiB).toFixed(1)} MiB (${(delta / changedBytes).toFixed(2)}× the changed bytes) in ${written2.blobs - written1.blobs} new blobs; stats ${JSON.stringify(second.value.stats)}; peak RSS ${(peak2 / MiB).toFixed(0)} MiB`,
  )
  const uncached = new DataRepository(r.context, { ...r.config, statCache: false })
  // Touch nothing; an unchanged re-commit without the stat cache measures re-reading everything.
  const third = await timeAsync(() =>
    uncached.commit('bench', { message: 'noop', allowEmpty: true, changes: [{ path: '', source: dataDir }] }),
  )
  console.log(
    `strata re-commit of unchanged files without the stat cache (reads and hashes everything): ${(third.ms / 1000).toFixed(2)} s (${mbps(totalAfter, third.ms)} MiB/s)`,
  )
  if (dvcMs !== undefined) {
    const dvc2 = dvcAdd(dvc)
    console.log(`dvc add (re-run after the same changes): ${(dvc2 / 1000).toFixed(2)} s`)
  }
  const fsck = await timeAsync(() => r.repo.fsck())
  console.log(
    `strata fsck: ${(fsck.ms / 1000).toFixed(2)} s, ok=${fsck.value.ok}, re-hashed ${gib(fsck.value.bytesVerified)} GiB`,
  )
  await r.close()
  console.log(`summary: total ${gib(totalAfter)} GiB`)
  rmSync(root, { recursive: true, force: true })
}

await main()
