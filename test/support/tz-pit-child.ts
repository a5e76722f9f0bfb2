/**
 * The subprocess of `src/features/time-zone-rule.test.ts`: point-in-time retrieval over the case
 * in `TZ_CHILD_DIR` (written by the parent: `case.json` and source and entity-row files), run
 * under whatever `TZ` the parent gave this process. Three views read the same events from a CSV
 * (naive text), a JSON Lines file (text with an offset) and a Parquet file (TIMESTAMP); the
 * entity rows come in every form the SDK and CLI take. Prints one JSON line: per form, each
 * row's timestamp (epoch ms) and its three feature values. Run through jiti.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FsBlobStore } from '../../src/backends/blob/fs-blob-store.js'
import { DuckDbTableEngine } from '../../src/backends/table/index.js'
import { openMetadataDatabase } from '../../src/db/index.js'
import { entity, featureView, fileSource } from '../../src/features/index.js'
import type { Row } from '../../src/ports/index.js'
import { openTestFeatureStore } from './feature-store.js'

/** What the parent writes to `case.json`. */
export interface TzCase {
  /** Entity rows in memory, each form holding the same instants. */
  memory: Record<string, Row[]>
  /** Entity-row files (relative to the directory), by form. */
  files: Record<string, string>
}

/** One form's answer: `[timestamp ms, x_csv, x_json, x_pq]` per entity row, in order. */
export type TzAnswer = [number | null, unknown, unknown, unknown][]

const e = entity({ name: 'e', joinKeys: ['k'] })
/** The same events in each file format, one view per format (`x_csv`, `x_json`, `x_pq`). */
const views = (
  [
    ['csv', 'events.csv'],
    ['json', 'events.jsonl'],
    ['pq', 'events.parquet'],
  ] as const
).map(([format, path]) =>
  featureView({
    name: `${format}_view`,
    entities: [e],
    source: fileSource({ path, timestamp: 'ts' }),
    features: { [`x_${format}`]: 'int' },
    ttl: '6h',
    sql: `select k, ts, x as x_${format} from source`,
  }),
)

/** Retrieves every form of the case and prints the answers as one JSON line. */
export async function runTzChild(): Promise<void> {
  const dir = process.env.TZ_CHILD_DIR as string
  const own = join(dir, `run-${process.pid}`)
  await mkdir(own, { recursive: true })
  const tzCase = JSON.parse(await readFile(join(dir, 'case.json'), 'utf8')) as TzCase
  const engine = await DuckDbTableEngine.open({ threads: 1 })
  const metadata = await openMetadataDatabase({
    dialect: 'sqlite',
    location: join(own, 'meta.db'),
    url: 'sqlite:tz',
  })
  try {
    const { store } = await openTestFeatureStore(metadata, {
      engine,
      definitions: views,
      root: dir,
      workDir: join(own, 'work'),
      context: { blobs: new FsBlobStore({ root: join(own, 'blobs') }) },
    })
    await store.apply()
    const answers: Record<string, TzAnswer> = {}
    const forms: [string, Row[] | { path: string }][] = [
      ...Object.entries(tzCase.memory).map(([form, rows]): [string, Row[]] => [
        form,
        form === 'dates' ? rows.map((r) => ({ ...r, t: new Date(r.t as number) })) : rows,
      ]),
      ...Object.entries(tzCase.files).map(([form, file]): [string, { path: string }] => [
        form,
        { path: join(dir, file) },
      ]),
    ]
    for (const [form, entityRows] of forms) {
      const set = await store.getTrainingSet({
        features: ['csv_view:x_csv', 'json_view:x_json', 'pq_view:x_pq'],
        entityRows,
        timestampColumn: 't',
      })
      try {
        answers[form] = (await set.rows()).map((r) => [
          r.t instanceof Date ? r.t.getTime() : null,
          r.x_csv,
          r.x_json,
          r.x_pq,
        ])
      } finally {
        await set.dispose()
      }
    }
    process.stdout.write(
      `${JSON.stringify({ tz: process.env.TZ, offsetNow: new Date(0).getTimezoneOffset(), answers })}\n`,
    )
  } finally {
    await engine.close()
    await metadata.close()
  }
}
