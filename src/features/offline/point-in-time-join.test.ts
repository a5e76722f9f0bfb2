import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DuckDbTableEngine } from '../../backends/table/index.js'
import type { Row } from '../../ports/index.js'
import type { FeatureView } from '../definitions/index.js'
import {
  entity,
  featureView,
  fileRelation,
  fileSource,
  literal,
  planRetrieval,
} from '../definitions/index.js'
import { prepareEntityRows } from './entity-rows.js'
import { JsonlTableWriter } from './jsonl-table.js'
import { runOfflineRetrieval, type ViewTable } from './offline-retrieval.js'
import { readAllParquetRows } from './typed-rows.js'
import { computeFeatureView } from './view-compute.js'

const T0 = Date.UTC(2024, 0, 1)
const MIN = 60_000

interface FeatureRow {
  k: string
  k2: number
  t: number
  x: number
  y: number | null
  s: string | null
}
interface ViewCase {
  composite: boolean
  ttl: number | null
  rows: FeatureRow[]
}
interface EntityRow {
  k: string
  k2: number
  t: number
}

const minute = fc.integer({ min: 0, max: 30 })
const featureRow = fc.record({
  k: fc.constantFrom('a', 'b', 'c', "o'q"),
  k2: fc.integer({ min: 1, max: 2 }),
  t: minute,
  x: fc.integer({ min: -1_000_000, max: 1_000_000 }),
  y: fc.option(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v)),
    { nil: null },
  ),
  s: fc.option(fc.string({ maxLength: 4 }), { nil: null }),
})
const viewCase = fc.record({
  composite: fc.boolean(),
  ttl: fc.option(fc.integer({ min: 1, max: 12 }), { nil: null }),
  rows: fc.array(featureRow, { maxLength: 40 }),
})
// 'zz' never has feature rows: entities with no history.
const entityRow = fc.record({
  k: fc.constantFrom('a', 'b', 'c', "o'q", 'zz'),
  k2: fc.integer({ min: 1, max: 2 }),
  t: minute,
})

/**
 * The naive definition: for each entity row and view, among rows with the same keys and
 * time ≤ the row's, take the latest (the last in file order on ties); drop it when older than
 * the ttl allows.
 */
function reference(entityRows: EntityRow[], views: ViewCase[]): Row[] {
  return entityRows.map((e) => {
    const out: Row = { k: e.k, k2: e.k2, t: new Date(T0 + e.t * MIN) }
    views.forEach((v, i) => {
      let best: FeatureRow | undefined
      for (const r of v.rows) {
        if (r.k !== e.k || (v.composite && r.k2 !== e.k2) || r.t > e.t) continue
        if (best === undefined || r.t >= best.t) best = r
      }
      const fresh = best !== undefined && (v.ttl === null || best.t >= e.t - v.ttl)
      out[`v${i}__x`] = fresh ? best!.x : null
      out[`v${i}__y`] = fresh ? best!.y : null
      out[`v${i}__s`] = fresh ? best!.s : null
    })
    return out
  })
}

describe('point-in-time join (DuckDB) against a naive reference', () => {
  let engine: DuckDbTableEngine
  let dir: string
  let n = 0
  beforeAll(async () => {
    engine = await DuckDbTableEngine.open({ threads: 2 })
    dir = await mkdtemp(join(tmpdir(), 'strata-pit-'))
  })
  afterAll(async () => {
    await engine.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function writeFeatureFile(rows: FeatureRow[]): Promise<string> {
    const path = join(dir, `features-${n++}.parquet`)
    const writer = new JsonlTableWriter(`${path}.jsonl`, [
      { name: 'seq', type: 'int' },
      { name: 'k', type: 'string' },
      { name: 'k2', type: 'int' },
      { name: 't', type: 'timestamp' },
      { name: 'x', type: 'int' },
      { name: 'y', type: 'float' },
      { name: 's', type: 'string' },
    ])
    for (const [seq, r] of rows.entries()) await writer.write({ ...r, seq, t: T0 + r.t * MIN })
    await writer.close()
    await engine.writeParquet(`SELECT * EXCLUDE (seq) FROM ${writer.relation()} ORDER BY seq`, path)
    await rm(`${path}.jsonl`)
    return path
  }

  function defineView(i: number, c: ViewCase, path: string): FeatureView {
    const keys = c.composite
      ? entity({ name: 'pair', joinKeys: ['k', 'k2'], valueType: { k: 'string', k2: 'int' } })
      : entity({ name: 'single', joinKeys: ['k'] })
    return featureView({
      name: `v${i}`,
      entities: [keys],
      source: fileSource({ path, timestamp: 't' }),
      ...(c.ttl === null ? {} : { ttl: c.ttl * MIN }),
      features: { x: 'int', y: 'float', s: 'string' },
    })
  }

  async function retrieve(entityRows: EntityRow[], views: ViewCase[], computed: boolean): Promise<Row[]> {
    const defs: FeatureView[] = []
    const tables = new Map<string, ViewTable>()
    for (const [i, c] of views.entries()) {
      const path = await writeFeatureFile(c.rows)
      const view = defineView(i, c, path)
      defs.push(view)
      if (computed) {
        const out = await computeFeatureView({
          engine,
          view,
          source: fileRelation(path, 'parquet'),
          outPath: join(dir, `computed-${n++}.parquet`),
          tempDir: dir,
        })
        tables.set(view.name, { relation: fileRelation(out.path, 'parquet'), timestampType: 'TIMESTAMP' })
      } else {
        tables.set(view.name, {
          relation: `(SELECT *, file_row_number AS seq FROM read_parquet(${literal(path)}, file_row_number = true))`,
          timestampType: 'TIMESTAMP',
          dedupeBy: 'seq',
        })
      }
    }
    const prepared = await prepareEntityRows(
      engine,
      entityRows.map((e) => ({ k: e.k, k2: e.k2, t: new Date(T0 + e.t * MIN) })),
      { timestampColumn: 't', tempDir: dir, keyTypes: { k: 'string', k2: 'int' } },
    )
    const result = await runOfflineRetrieval({
      engine,
      plan: planRetrieval(defs, { fullFeatureNames: true }),
      entity: prepared,
      tables,
      outPath: join(dir, `out-${n++}.parquet`),
      tempDir: dir,
    })
    expect(result.rows).toBe(entityRows.length)
    return readAllParquetRows(engine, result.path)
  }

  for (const computed of [false, true]) {
    const how = computed ? 'computed views' : 'raw files with duplicates'
    it(`matches the reference on random data (${how}: equal timestamps, late rows, ttl edges, duplicates)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(viewCase, { minLength: 1, maxLength: 3 }),
          fc.array(entityRow, { maxLength: 30 }),
          async (views, rows) => {
            const actual = await retrieve(rows, views, computed)
            expect(actual).toEqual(reference(rows, views))
          },
        ),
        { numRuns: 60 },
      )
    })
  }

  it('pins the boundary cases: a value at exactly the row time counts, and exactly ttl old still counts', async () => {
    const views: ViewCase[] = [
      {
        composite: false,
        ttl: 5,
        rows: [
          { k: 'a', k2: 1, t: 10, x: 1, y: 1.5, s: 'at' },
          { k: 'b', k2: 1, t: 5, x: 2, y: null, s: 'old' },
          { k: 'a', k2: 1, t: 11, x: 3, y: null, s: 'later' },
          { k: 'a', k2: 1, t: 10, x: 4, y: null, s: 'late-arriving tie' },
        ],
      },
    ]
    const rows: EntityRow[] = [
      { k: 'a', k2: 1, t: 10 },
      { k: 'b', k2: 1, t: 10 },
      { k: 'b', k2: 1, t: 11 },
      { k: 'a', k2: 1, t: 10 },
      { k: 'zz', k2: 1, t: 30 },
      { k: 'a', k2: 1, t: 9 },
    ]
    const actual = await retrieve(rows, views, true)
    expect(actual.map((r) => r.v0__s)).toEqual([
      'late-arriving tie',
      'old',
      null,
      'late-arriving tie',
      null,
      null,
    ])
    expect(actual.map((r) => r.v0__x)).toEqual([4, 2, null, 4, null, null])
  })
})
