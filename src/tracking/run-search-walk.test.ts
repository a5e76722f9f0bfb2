import { type SqlBool, sql } from 'kysely'
import { expect, it } from 'vitest'
import { testServiceContext } from '../../test/support/service-context.js'
import { lineageMigrations } from '../data/lineage/index.js'
import { type MetadataDatabase, parseSearch, runMigrations, searchPage } from '../db/index.js'
import { describeMetadata } from '../testing/metadata-fixture.js'
import type { TrackingTables } from './tracking-migrations.js'
import { trackingMigrations } from './tracking-migrations.js'
import { RUN_SEARCH_SCHEMA } from './tracking-search-schemas.js'
import { TrackingStore } from './tracking-store.js'

/** Every page of a search, run as a plain sorted query or as an ordered index walk. */
async function allPages(
  md: MetadataDatabase,
  experimentIds: string[],
  request: { filter?: string; orderBy: string[]; maxResults: number },
  walk: boolean,
): Promise<string[]> {
  const db = md.db.withTables<TrackingTables>()
  const base = (plus: boolean) => {
    const p = plus && md.dialect === 'sqlite' ? sql.raw('+') : sql.raw('')
    return db
      .selectFrom('tracking_runs as r')
      .select('r.run_id')
      .where(sql<SqlBool>`${p}${sql.ref('r.experiment_id')} in (${sql.join(experimentIds)})`)
      .where(sql<SqlBool>`${p}${sql.ref('r.lifecycle_stage')} = ${'active'}`)
  }
  const out: string[] = []
  let pageToken: string | undefined
  do {
    const search = parseSearch(RUN_SEARCH_SCHEMA, { ...request, pageToken })
    const page = walk
      ? await searchPage(md.dialect, search, base, { walkScope: 0 })
      : await searchPage(md.dialect, search, base(false))
    out.push(...page.items.map((r) => r.run_id))
    pageToken = page.nextPageToken
  } while (pageToken !== undefined)
  return out
}

describeMetadata('run search: ordered index walk', (openFresh) => {
  it('returns the same runs in the same order and pages as the sorted query', async () => {
    const md = await openFresh()
    await runMigrations(md, [...lineageMigrations, ...trackingMigrations])
    let t = 1_700_000_000_000
    const tracking = new TrackingStore(testServiceContext(md, { now: () => t }))
    const a = (await tracking.experiments.create('A')).experimentId
    const b = (await tracking.experiments.create('B')).experimentId
    for (let i = 0; i < 37; i++) {
      // Every 3rd start time repeats, so ties fall through to the run id.
      t = 1_700_000_000_000 + Math.floor(i / 3) * 1000
      const run = await tracking.runs.create({ experimentId: i % 5 === 4 ? b : a, runName: `r${i}` })
      const metrics = []
      if (i % 7 !== 0)
        metrics.push({ key: 'auc', value: i % 6 === 0 ? Number.NaN : (i * 37) % 11, timestamp: t })
      if (i % 2 === 0) metrics.push({ key: 'loss', value: 1 / (i + 1), timestamp: t })
      const params = i % 4 === 3 ? [] : [{ key: 'lr', value: `0.${i % 3}` }]
      const tags = i % 5 === 0 ? [] : [{ key: 'team', value: ['a', 'b', 'B', 'é'][i % 4] as string }]
      await tracking.runs.logBatch(run.info.runId, { metrics, params, tags })
      if (i === 10) await tracking.runs.delete(run.info.runId)
    }
    const cases = [
      { orderBy: ['metrics.auc DESC'], maxResults: 4 },
      { orderBy: ['metrics.auc ASC', 'params.lr DESC'], maxResults: 5 },
      { filter: 'metrics.loss < 0.5', orderBy: ['metrics.auc DESC'], maxResults: 3 },
      { filter: "params.lr != '0.1'", orderBy: ['metrics.loss ASC'], maxResults: 7 },
      { orderBy: ['params.lr ASC'], maxResults: 6 },
      { filter: 'metrics.auc >= 2', orderBy: ['params.lr DESC', 'metrics.loss DESC'], maxResults: 4 },
      { orderBy: ['tags.team DESC'], maxResults: 5 },
      {
        filter: "tags.team IN ('a', 'B')",
        orderBy: ['tags.team ASC', 'attributes.run_name DESC'],
        maxResults: 2,
      },
    ]
    for (const request of cases) {
      for (const scope of [[a], [a, b]]) {
        const sorted = await allPages(md, scope, request, false)
        expect(sorted.length).toBeGreaterThan(0)
        expect(await allPages(md, scope, request, true), JSON.stringify(request)).toEqual(sorted)
      }
    }
  })
})
