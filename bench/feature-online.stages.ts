/**
 * Where the online route's CPU goes, stage by stage, without HTTP: for the bench's 1 × 10 and
 * 100 × 10 `get-online-features` bodies, the CPU microseconds per request (`process.cpuUsage`,
 * so other load on the machine does not count) of parsing the body text, validating it with the
 * route's zod schema, resolving it (`createFeastOnlineResolver`: the feature store's online read
 * and Feast's columnar response) and serializing the response, on SQLite and Redis. The HTTP
 * layer's share is the server's CPU per request (`feature-online.bench.ts`) minus their sum.
 *
 * Run: `npx jiti bench/feature-online.stages.ts [--redis redis://127.0.0.1:56379/7]
 *       [--requests 3000] [--backends sqlite,redis] [--dir /tmp/strata-online-bench]`
 */
import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createFeastOnlineResolver } from '../src/api/feast/index.js'
import { feastOnlineRequestSchema } from '../src/core/rest/index.js'
import { generateDriverStats, onlineRequestBodies, openFeatureStoreForBench } from './feature-online.setup.js'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}
const redisUrl = arg('redis', process.env.STRATA_BENCH_REDIS_URL ?? 'redis://127.0.0.1:56379/7')
const requests = Number(arg('requests', '3000'))
const backendNames = arg('backends', 'sqlite,redis').split(',')
const dir = resolve(arg('dir', '/tmp/strata-online-bench'))
const ENTITIES = 10_000
const prefix = `s${process.pid}`

/** CPU microseconds per call of `step` over `n` sequential calls (after 200 warm-up calls). */
async function cpuPerCall(n: number, step: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < 200; i++) await step(i)
  const before = process.cpuUsage()
  for (let i = 0; i < n; i++) await step(i)
  const used = process.cpuUsage(before)
  return (used.user + used.system) / n
}

await generateDriverStats(dir, ENTITIES)
const rows: string[] = []
for (const [name, url] of [
  ['sqlite', `sqlite:${join(dir, `online-${prefix}.db`)}`],
  ['redis', redisUrl],
] as const) {
  if (!backendNames.includes(name)) continue
  const metaPath = join(dir, `meta-${prefix}.db`)
  const { store, online, engine, metadata } = await openFeatureStoreForBench(dir, url, prefix, metaPath)
  await store.materialize()
  const resolver = createFeastOnlineResolver(store)
  for (const batch of [1, 100]) {
    const texts = onlineRequestBodies(batch, ENTITIES)
    const parsed = texts.map((t) => JSON.parse(t) as unknown)
    const valid = parsed.map((b) => feastOnlineRequestSchema.parse(b))
    const responses = await Promise.all(valid.map((v) => resolver(v)))
    const at = <T>(list: T[], i: number) => list[i % list.length] as T
    const stages = {
      parse: await cpuPerCall(requests, (i) => JSON.parse(at(texts, i))),
      validate: await cpuPerCall(requests, (i) => feastOnlineRequestSchema.safeParse(at(parsed, i))),
      resolve: await cpuPerCall(requests, (i) => resolver(at(valid, i))),
      stringify: await cpuPerCall(requests, (i) => JSON.stringify(at(responses, i))),
    }
    const total = Object.values(stages).reduce((a, b) => a + b, 0)
    const line = `| ${name}, ${batch} × 10 | ${Object.values(stages)
      .map((s) => s.toFixed(1))
      .join(' | ')} | ${total.toFixed(1)} |`
    console.log(line)
    rows.push(line)
  }
  if (name === 'redis') await online.deleteNamespace(`${prefix}:driver_id`)
  await online.close()
  await engine.close()
  await metadata.close()
  rmSync(metaPath, { force: true })
  rmSync(join(dir, `online-${prefix}.db`), { force: true })
}
console.log(
  '\n| case (CPU µs per request) | parse | validate | resolve | stringify | sum |\n|---|---:|---:|---:|---:|---:|',
)
for (const r of rows) console.log(r)
