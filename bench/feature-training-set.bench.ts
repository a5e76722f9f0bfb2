/**
 * Training-set benchmark: 1M entity rows × 10M feature rows (10 float features, 100k entities).
 * Compares Strata's `getTrainingSet` with a hand-written DuckDB `ASOF JOIN` (the limit) and
 * Feast's `get_historical_features` (its file and DuckDB offline stores) on the same Parquet
 * files. Each measurement runs in its own process (peak RSS is per process), 3 trials, median.
 *
 * Run: `npx jiti bench/feature-training-set.bench.ts [--entities-rows 1000000] [--feature-rows 10000000]
 *       [--trials 3] [--only strata,asof,feast-duckdb,feast-file]` with Feast in `/tmp/feastenv`
 * (`python3 -m venv /tmp/feastenv && /tmp/feastenv/bin/pip install 'feast[duckdb,redis]'`),
 * or `FEAST_PYTHON=…`.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}
const entityRows = Number(arg('entity-rows', '1000000'))
const featureRows = Number(arg('feature-rows', '10000000'))
const entities = Number(arg('entities', '100000'))
const trials = Number(arg('trials', '3'))
const only = arg('only', 'strata,asof,feast-duckdb,feast-file').split(',')
const dir = resolve(arg('dir', `/tmp/strata-feature-bench-${entityRows}-${featureRows}`))
const here = resolve(import.meta.dirname ?? '.')
const python = process.env.FEAST_PYTHON ?? '/tmp/feastenv/bin/python'

/** Feature rows: per entity, evenly spaced times over 30 days plus jitter (unique per entity). */
async function generate(): Promise<void> {
  mkdirSync(dir, { recursive: true })
  if (existsSync(join(dir, 'features.parquet')) && existsSync(join(dir, 'entities.parquet'))) return
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  const perEntity = Math.ceil(featureRows / entities)
  const slot = Math.floor((30 * 86_400_000) / perEntity)
  const features = Array.from(
    { length: 10 },
    (_, j) => `round((hash(i * 10 + ${j}) % 100000) / 100000.0, 5)::DOUBLE AS f${j}`,
  )
  await c.run(`COPY (
    SELECT (i % ${entities})::BIGINT AS driver_id,
      TIMESTAMP '2024-01-01' + to_milliseconds((i // ${entities}) * ${slot} + hash(i) % ${slot}) AS event_timestamp,
      ${features.join(',\n      ')}
    FROM range(${featureRows}) t(i)
  ) TO '${dir}/features.parquet' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)`)
  await c.run(`COPY (
    SELECT (hash(j) % ${entities})::BIGINT AS driver_id,
      TIMESTAMP '2024-01-01' + to_milliseconds(hash(j + 7919) % ${30 * 86_400_000}) AS event_timestamp
    FROM range(${entityRows}) t(j)
  ) TO '${dir}/entities.parquet' (FORMAT parquet, COMPRESSION zstd)`)
  c.closeSync()
  db.closeSync()
}

interface Trial {
  seconds: number
  maxRssMb: number
  rows: number
  nonNullF0: number
  sumF0: number
}

function runChild(system: string): Trial {
  const out = system.startsWith('feast')
    ? execFileSync(
        python,
        [join(here, 'feature-training-set.feast.py'), dir, system.slice('feast-'.length)],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 24,
        },
      )
    : execFileSync(
        process.execPath,
        [
          join(here, '..', 'node_modules', 'jiti', 'lib', 'jiti-cli.mjs'),
          join(here, 'feature-training-set.child.ts'),
          dir,
          system,
        ],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 24,
        },
      )
  const line = out.trim().split('\n').at(-1) ?? '{}'
  return JSON.parse(line) as Trial
}

await generate()
console.log(
  `data: ${dir} (${entityRows} entity rows × ${featureRows} feature rows, ${entities} entities, 10 features)`,
)
const results: Record<string, Trial[]> = {}
for (const system of only) {
  results[system] = []
  for (let t = 0; t < trials; t++) {
    const trial = runChild(system)
    results[system].push(trial)
    console.log(
      `${system} trial ${t + 1}: ${trial.seconds.toFixed(2)} s, peak RSS ${trial.maxRssMb.toFixed(0)} MB, rows ${trial.rows}, non-null f0 ${trial.nonNullF0}, sum f0 ${trial.sumF0.toFixed(3)}`,
    )
  }
}
console.log('\nsystem          median s   min s   peak RSS MB   rows        non-null f0   sum f0')
for (const [system, list] of Object.entries(results)) {
  const sorted = [...list].sort((a, b) => a.seconds - b.seconds)
  const median = sorted[Math.floor(sorted.length / 2)] as Trial
  const rss = Math.max(...list.map((t) => t.maxRssMb))
  console.log(
    `${system.padEnd(15)} ${median.seconds.toFixed(2).padStart(8)}   ${(sorted[0] as Trial).seconds.toFixed(2).padStart(5)}   ${rss.toFixed(0).padStart(11)}   ${String(median.rows).padEnd(11)} ${String(median.nonNullF0).padEnd(13)} ${median.sumF0.toFixed(3)}`,
  )
}
