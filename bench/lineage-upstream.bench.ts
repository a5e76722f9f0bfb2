/**
 * Benchmark: lineage traversals on a ~100k-node ML-shaped graph (`bench/lineage-graph-shape.ts`),
 * on SQLite and Postgres in the same run. Measures building the graph with
 * `LineageGraphStore.record` (steps batched into transactions), then `upstream` from random
 * model versions (full depth and a limited depth), and `downstream` from random raw dataset
 * commits: median and p95 latency and nodes reached, with a naive per-level BFS in JavaScript
 * (edges only) as a reference.
 *
 * Run (from the repository root; Postgres optional — a scratch database is created and dropped):
 *   source /tmp/svc.env   # or: eval "$(scripts/test-services.sh start)"
 *   npx jiti bench/lineage-upstream.bench.ts [--scale 1] [--queries 50] [--depth 6] [--batch 1000]
 *     [--postgres "$STRATA_TEST_POSTGRES_URL"] [--only sqlite,postgres]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { systemClock } from '../src/core/clock.js'
import { LineageGraphStore, lineageMigrations } from '../src/data/lineage/index.js'
import { type MetadataDatabase, openMetadataDatabase, runMigrations } from '../src/db/index.js'
import { createScratchPostgres, naiveBfs, summarize } from './lineage-bench-util.js'
import { buildLineageGraph, type LineageBenchGraph, rng } from './lineage-graph-shape.js'

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    queries: { type: 'string', default: '50' },
    depth: { type: 'string', default: '6' },
    batch: { type: 'string', default: '1000' },
    postgres: { type: 'string', default: process.env.STRATA_TEST_POSTGRES_URL ?? '' },
    only: { type: 'string', default: 'sqlite,postgres' },
  },
})
const queries = Number(args.queries)
const limitedDepth = Number(args.depth)
const batch = Number(args.batch)

interface Row {
  dialect: string
  query: string
  median: number
  p95: number
  reached: number
  reachedMax: number
}

async function build(metadata: MetadataDatabase, graph: LineageBenchGraph): Promise<number> {
  const store = new LineageGraphStore(metadata, systemClock)
  const t = performance.now()
  for (let i = 0; i < graph.steps.length; i += batch) {
    await metadata.db.transaction().execute(async (trx) => {
      for (const step of graph.steps.slice(i, i + batch)) await store.record(step, trx)
    })
  }
  return performance.now() - t
}

/** Times `run` on `queries` start nodes drawn from `starts` (same draw for every dialect). */
async function measure(
  dialect: string,
  query: string,
  starts: readonly string[],
  run: (start: string) => Promise<number>,
): Promise<Row> {
  const r = rng(7)
  const sample = Array.from({ length: queries }, () => starts[Math.floor(r() * starts.length)] as string)
  await run(sample[0] as string) // warm-up
  const ms: number[] = []
  const reached: number[] = []
  for (const start of sample) {
    const t = performance.now()
    reached.push(await run(start))
    ms.push(performance.now() - t)
  }
  const s = summarize(ms)
  const row = {
    dialect,
    query,
    median: s.median,
    p95: s.p95,
    reached: summarize(reached).median,
    reachedMax: Math.max(...reached),
  }
  console.log(
    `${dialect} ${query}: median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, nodes reached median ${row.reached} (max ${row.reachedMax})`,
  )
  return row
}

async function runDialect(dialect: string, metadata: MetadataDatabase, graph: LineageBenchGraph) {
  await runMigrations(metadata, lineageMigrations)
  const buildMs = await build(metadata, graph)
  console.log(
    `${dialect} build: ${(buildMs / 1000).toFixed(1)} s for ${graph.steps.length} record() calls (${Math.round(graph.steps.length / (buildMs / 1000))} steps/s), load avg ${loadavg()[0]?.toFixed(1)}`,
  )
  const store = new LineageGraphStore(metadata, systemClock)
  const models = graph.modelVersions
  const raws = graph.rawCommits
  /** Each query: its label, its start nodes, and how many nodes it reaches from one. */
  const queries: [string, readonly string[], (start: string) => Promise<number>][] = [
    ['upstream(model version)', models, async (s) => (await store.upstream(s)).nodes.length],
    [
      `upstream(model version, depth ${limitedDepth})`,
      models,
      async (s) => (await store.upstream(s, limitedDepth)).nodes.length,
    ],
    ['downstream(raw commit)', raws, async (s) => (await store.downstream(s)).nodes.length],
    ['naive BFS upstream(model version)', models, async (s) => (await naiveBfs(metadata, s, 64, 'up')).size],
    ['naive BFS downstream(raw commit)', raws, async (s) => (await naiveBfs(metadata, s, 64, 'down')).size],
  ]
  const rows: Row[] = []
  for (const [label, starts, run] of queries) rows.push(await measure(dialect, label, starts, run))
  return { buildMs, rows }
}

async function main(): Promise<void> {
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model}, node ${process.version}, load avg ${loadavg()[0]?.toFixed(1)}`,
  )
  const graph = buildLineageGraph(Number(args.scale))
  console.log(`graph: ${graph.nodeCount} nodes, ${graph.edgeCount} edges, ${graph.steps.length} steps`)
  const only = (args.only as string).split(',')
  const results: { dialect: string; buildMs: number; rows: Row[] }[] = []
  if (only.includes('sqlite')) {
    const dir = mkdtempSync(join(tmpdir(), 'strata-lineage-bench-'))
    const md = await openMetadataDatabase({
      dialect: 'sqlite',
      location: join(dir, 'meta.db'),
      url: 'sqlite:bench',
    })
    try {
      results.push({ dialect: 'SQLite', ...(await runDialect('SQLite', md, graph)) })
    } finally {
      await md.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
  if (only.includes('postgres')) {
    if (!args.postgres) console.log('postgres: skipped (no --postgres or STRATA_TEST_POSTGRES_URL)')
    else {
      const scratch = await createScratchPostgres(args.postgres as string, 'strata_bench_lineage')
      const md = await openMetadataDatabase({
        dialect: 'postgres',
        location: scratch.url,
        url: 'postgres:bench',
      })
      try {
        const version = await md.version()
        results.push({ dialect: 'Postgres', ...(await runDialect(`Postgres`, md, graph)) })
        console.log(`postgres: ${version}`)
      } finally {
        await md.close()
        await scratch.drop()
      }
    }
  }
  console.log('\n| dialect | query | median | p95 | nodes reached (median / max) |\n|---|---|---:|---:|---:|')
  for (const { dialect, buildMs, rows } of results) {
    console.log(
      `| ${dialect} | build: ${graph.steps.length} \`record\` calls, ${batch} per transaction | ${(buildMs / 1000).toFixed(1)} s | | ${graph.nodeCount} |`,
    )
    for (const r of rows)
      console.log(
        `| ${dialect} | ${r.query} | ${r.median.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${r.reached} / ${r.reachedMax} |`,
      )
  }
}

await main()
