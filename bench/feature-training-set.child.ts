/**
 * One trial of `feature-training-set.bench.ts` in a fresh process: `strata` (FeatureStore.getTrainingSet
 * on the generated files; the view's data is computed on the first trial and reused after), `asof`
 * (the bare hand-written DuckDB ASOF LEFT JOIN, output order not preserved), `asof-computed` (the
 * same over the view file Strata computed) or `asof-ordered` (keeping entity-row order). Prints one JSON line: seconds, peak RSS, and a checksum.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDbTableEngine } from '../src/backends/table/index.js'
import { entity, featureView, fileSource } from '../src/features/index.js'
import { openBenchFeatureStore } from './feature-store-bench.js'

const [dir = '', system = 'strata'] = process.argv.slice(2)
const features = Array.from({ length: 10 }, (_, j) => `f${j}`)
const engine = await DuckDbTableEngine.open()
const out = join(dir, `out-${system}.parquet`)
let seconds: number

if (system === 'strata') {
  mkdirSync(join(dir, 'strata'), { recursive: true })
  const driver = entity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int' })
  const stats = featureView({
    name: 'driver_stats',
    entities: [driver],
    source: fileSource({ path: join(dir, 'features.parquet'), timestamp: 'event_timestamp' }),
    features: Object.fromEntries(features.map((f) => [f, 'float' as const])),
  })
  const { store, metadata } = await openBenchFeatureStore({
    dir: join(dir, 'strata'),
    metaPath: join(dir, 'strata', 'meta.db'),
    engine,
    definitions: [stats],
    root: dir,
  })
  await store.apply()
  const c0 = performance.now()
  await store.compute()
  const compute = (performance.now() - c0) / 1000
  if (compute > 1) process.stderr.write(`computed the view (first trial): ${compute.toFixed(1)} s\n`)
  const t0 = performance.now()
  const ts = await store.getTrainingSet({
    features: ['driver_stats:*'],
    entityRows: { path: join(dir, 'entities.parquet') },
  })
  seconds = (performance.now() - t0) / 1000
  await ts.writeParquet(out)
  await ts.dispose()
  await metadata.close()
} else {
  const select = ['e.*', ...features.map((f) => `f.${f}`)].join(', ')
  // `asof-computed` reads the file Strata computed (sorted by time) instead of the raw one.
  const file =
    system === 'asof-computed'
      ? String(
          (
            await engine.query(
              `SELECT file FROM glob('${dir}/strata/work/computed/driver_stats/*.parquet') LIMIT 1`,
            )
          ).rows[0]?.file,
        )
      : `${dir}/features.parquet`
  const join_ = `ASOF LEFT JOIN read_parquet('${file}') f ON e.driver_id = f.driver_id AND e.event_timestamp >= f.event_timestamp`
  const sql =
    system === 'asof' || system === 'asof-computed'
      ? `SELECT ${select} FROM read_parquet('${dir}/entities.parquet') e ${join_}`
      : `SELECT e.* EXCLUDE (file_row_number), ${features.map((f) => `f.${f}`).join(', ')} FROM read_parquet('${dir}/entities.parquet', file_row_number = true) e ${join_} ORDER BY e.file_row_number`
  const t0 = performance.now()
  await engine.writeParquet(sql, out)
  seconds = (performance.now() - t0) / 1000
}
const { rows } = await engine.query(
  `SELECT count(*)::BIGINT AS n, count(f0)::BIGINT AS nn, sum(f0) AS s FROM read_parquet('${out}')`,
)
const r = rows[0] ?? {}
console.log(
  JSON.stringify({
    seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    rows: Number(r.n),
    nonNullF0: Number(r.nn),
    sumF0: Number(r.s),
  }),
)
await engine.close()
