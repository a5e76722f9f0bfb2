/**
 * Benchmark: what verified reads cost (issue 9 item 3). The same workload runs against two
 * source trees — this branch (`./src`, every read hashed) and a tree without verification
 * (`--baseline`, e.g. a checkout of the commit before it) — in one process each, alternating
 * rounds so machine load hits both alike:
 *
 * - `data export` of a dataset: whole files (2 MiB each, stored as one blob) and chunked ones
 *   (64 MiB each, content-defined chunks): every byte streams through SHA-256 now;
 * - training-set reads: `localFile()` of every whole file, what the feature store hands DuckDB
 *   (the blob store's own file, now re-hashed before it is handed out the first time in a
 *   process; again while unchanged costs a stat; chunked files are a cached copy verified when
 *   written). Round 0 is the first read; the rest are medians of later rounds.
 *
 * Run (from the repository root):
 *   git worktree add /tmp/strata-baseline <commit-before-verified-reads>
 *   node --import jiti/register bench/verified-reads.bench.ts --baseline /tmp/strata-baseline/src [--mib 512] [--rounds 5]
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const MiB = 1024 * 1024
const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    mib: { type: 'string', default: '512' },
    rounds: { type: 'string', default: '5' },
  },
})
const totalMiB = Number(values.mib)
const rounds = Number(values.rounds)

interface Repo {
  createDataset(name: string): Promise<unknown>
  commit(
    name: string,
    input: { message: string; changes: { path: string; source: string }[] },
  ): Promise<unknown>
  files(name: string, ref: string): Promise<{ path: string; chunks?: unknown; size: number }[]>
  exportTo(name: string, ref: string, dir: string): Promise<{ files: number; bytes: number }>
  localFile(name: string, ref: string, path: string): Promise<string>
}

async function setup(
  src: string,
  source: string,
): Promise<{ repo: Repo; close(): Promise<void>; dir: string }> {
  const { openStrata } = (await import(join(resolve(src), 'platform/index.js'))) as {
    openStrata(o: object): Promise<{ data(): Promise<Repo>; close(): Promise<void> }>
  }
  const dir = mkdtempSync(join(tmpdir(), 'strata-vr-'))
  const strata = await openStrata({ cwd: dir, env: {} })
  const repo = await strata.data()
  await repo.createDataset('bench')
  await repo.commit('bench', { message: 'data', changes: [{ path: '', source }] })
  return { repo, dir, close: () => strata.close() }
}

/** CPU time (user + system) of the process spent in `fn`, in ms — steadier than wall time on a shared machine. */
const cpu: Record<string, number[]> = {}
async function time(fn: () => Promise<unknown>, label?: string): Promise<number> {
  const t0 = process.hrtime.bigint()
  const c0 = process.cpuUsage()
  await fn()
  const c = process.cpuUsage(c0)
  if (label !== undefined) {
    cpu[label] = cpu[label] ?? []
    cpu[label].push((c.user + c.system) / 1000)
  }
  return Number(process.hrtime.bigint() - t0) / 1e6
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

async function main() {
  const source = mkdtempSync(join(tmpdir(), 'strata-vr-src-'))
  const wholeMiB = Math.floor(totalMiB / 2)
  for (let i = 0; i < wholeMiB / 2; i++) writeFileSync(join(source, `part-${i}.bin`), randomBytes(2 * MiB))
  mkdirSync(join(source, 'big'))
  for (let i = 0; i < (totalMiB - wholeMiB) / 64; i++)
    writeFileSync(join(source, 'big', `big-${i}.bin`), randomBytes(64 * MiB))
  const trees = {
    verified: new URL('../src', import.meta.url).pathname,
    ...(values.baseline ? { baseline: values.baseline } : {}),
  }
  const repos: Record<string, Awaited<ReturnType<typeof setup>>> = {}
  for (const [name, src] of Object.entries(trees)) repos[name] = await setup(src, source)
  const results: Record<string, { export: number[]; local: number[]; first: number }> = {}
  for (const name of Object.keys(repos)) results[name] = { export: [], local: [], first: 0 }
  for (let r = 0; r < rounds + 1; r++) {
    for (const [name, { repo, dir }] of Object.entries(repos)) {
      const out = join(dir, `export-${r}`)
      const exp = await time(() => repo.exportTo('bench', 'main', out), r > 0 ? `${name} export` : undefined)
      rmSync(out, { recursive: true, force: true })
      const whole = (await repo.files('bench', 'main')).filter((f) => f.chunks === undefined)
      const local = await time(
        async () => {
          for (const f of whole) await repo.localFile('bench', 'main', f.path)
        },
        r === 0 ? `${name} first localFile` : undefined,
      )
      if (r === 0 && results[name] !== undefined) results[name].first = local
      if (r > 0) {
        results[name]?.export.push(exp)
        results[name]?.local.push(local)
      }
    }
  }
  const wholeBytes = wholeMiB * MiB
  console.log(
    `data: ${totalMiB} MiB (${wholeMiB} MiB in 2 MiB whole files, the rest in 64 MiB chunked files); ${rounds} rounds, median`,
  )
  for (const [name, r] of Object.entries(results)) {
    const e = median(r.export)
    const l = median(r.local)
    console.log(
      `${name.padEnd(9)} export ${e.toFixed(0)} ms (${((totalMiB * MiB) / (e / 1000) / MiB).toFixed(0)} MiB/s)   ` +
        `localFile of every whole file: first ${r.first.toFixed(0)} ms (${(wholeBytes / (r.first / 1000) / MiB).toFixed(0)} MiB/s), ` +
        `again ${l.toFixed(0)} ms`,
    )
  }
  for (const [label, xs] of Object.entries(cpu)) console.log(`cpu ${label}: ${median(xs).toFixed(0)} ms`)
  for (const { close, dir } of Object.values(repos)) {
    await close()
    rmSync(dir, { recursive: true, force: true })
  }
  rmSync(source, { recursive: true, force: true })
}

await main()
