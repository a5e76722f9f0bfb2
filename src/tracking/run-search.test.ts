import { expect, it } from 'vitest'
import { testServiceContext } from '../../test/support/service-context.js'
import { isStrataError } from '../core/errors.js'
import { lineageMigrations } from '../data/lineage/index.js'
import { runMigrations } from '../db/index.js'
import { describeMetadata, type OpenFreshMetadata } from '../testing/metadata-fixture.js'
import { trackingMigrations } from './tracking-migrations.js'
import { TrackingStore } from './tracking-store.js'
import type { SearchRunsOptions } from './tracking-types.js'

const T0 = 1_700_000_000_000

/**
 * Six runs with varied data: r1–r4 active in experiment A, r5 deleted in A, r6 in B.
 * Start times are T0 + 1000·i so the default order (newest first) is r4, r3, r2, r1.
 */
async function seed(openFresh: OpenFreshMetadata) {
  const metadata = await openFresh()
  await runMigrations(metadata, [...lineageMigrations, ...trackingMigrations])
  const clock = { t: T0 }
  const tracking = new TrackingStore(testServiceContext(metadata, { now: () => clock.t }))
  const a = (await tracking.experiments.create('A')).experimentId
  const b = (await tracking.experiments.create('B')).experimentId
  const ids: Record<string, string> = {}
  const names: Record<string, string> = {}
  const make = async (
    label: string,
    exp: string,
    opts: {
      name?: string
      user?: string
      params?: Record<string, string>
      metrics?: Record<string, number>
      tags?: Record<string, string>
    },
  ) => {
    clock.t = T0 + 1000 * Number(label.slice(1))
    const run = await tracking.runs.create({
      experimentId: exp,
      runName: opts.name ?? label,
      userId: opts.user ?? 'ana',
      ...(opts.tags ? { tags: opts.tags } : {}),
    })
    ids[label] = run.info.runId
    names[run.info.runId] = label
    await tracking.runs.logBatch(run.info.runId, {
      params: Object.entries(opts.params ?? {}).map(([key, value]) => ({ key, value })),
      metrics: Object.entries(opts.metrics ?? {}).map(([key, value]) => ({ key, value, timestamp: clock.t })),
    })
    return run.info.runId
  }
  const r1 = await make('r1', a, {
    params: { lr: '0.1', model: 'GPT-2' },
    metrics: { auc: 0.9, loss: 0.2 },
    tags: { team: 'a', env: 'prod' },
  })
  const r2 = await make('r2', a, {
    user: 'bob',
    params: { lr: '0.01', model: 'GPT-3' },
    metrics: { auc: 0.75 },
    tags: { team: 'b' },
  })
  await make('r3', a, {
    name: 'special run',
    params: { lr: '0.1', model: 'gpt-4' },
    metrics: { auc: 0.85, loss: Number.NaN, 'my metric': 5 },
    tags: { team: 'a' },
  })
  const r4 = await make('r4', a, { tags: { env: 'dev', 'mlflow.parentRunId': r1 } })
  const r5 = await make('r5', a, { params: { lr: '0.1' }, metrics: { auc: 0.95 } })
  await make('r6', b, { params: { lr: '0.1' }, metrics: { auc: 0.99 } })
  clock.t = T0 + 10_000
  await tracking.runs.end(r1, 'FINISHED')
  await tracking.runs.end(r2, 'FAILED')
  await tracking.runs.end(r4, 'FINISHED')
  await tracking.runs.delete(r5)
  await tracking.runs.logInputs(r1, {
    datasets: [
      {
        dataset: { name: 'flights', digest: 'abc', sourceType: 'local', source: '{"uri":"/data"}' },
        tags: { 'mlflow.data.context': 'train' },
      },
    ],
  })
  return { tracking, a, b, ids, names }
}

describeMetadata('run search', (openFresh) => {
  it('filters runs in SQL: a table of filters and the runs each must return', async () => {
    const { tracking, a, b, ids, names } = await seed(openFresh)
    const search = async (filter: string, extra: Partial<SearchRunsOptions> = {}) => {
      const page = await tracking.runs.search({ experimentIds: [a], filter, ...extra })
      return page.items.map((r) => names[r.info.runId]).sort()
    }
    const table: [string, string[]][] = [
      ['', ['r1', 'r2', 'r3', 'r4']],
      ['metrics.auc > 0.8', ['r1', 'r3']],
      ['metrics.auc >= 0.75', ['r1', 'r2', 'r3']],
      ['metrics.auc != 0.9', ['r2', 'r3']],
      ["metrics.auc < 0.8 and params.lr = '0.01'", ['r2']],
      [
        "metrics.auc > 0.8 and params.lr = '0.1' and tags.team != 'x' and attributes.status = 'FINISHED'",
        ['r1'],
      ],
      ["params.lr = '0.1'", ['r1', 'r3']],
      ["params.lr != '0.1'", ['r2']],
      ["params.model LIKE 'GPT%'", ['r1', 'r2']],
      ["params.model ILIKE 'gpt%'", ['r1', 'r2', 'r3']],
      ["params.model LIKE '%-_'", ['r1', 'r2', 'r3']],
      ["params.model IN ('GPT-2', 'gpt-4')", ['r1', 'r3']],
      ["tags.team != 'a'", ['r2']],
      ['tags.env IS NULL', ['r2', 'r3']],
      ['tags.env IS NOT NULL', ['r1', 'r4']],
      ['params.lr IS NULL', ['r4']],
      ['metrics.loss IS NOT NULL', ['r1', 'r3']],
      ["attributes.status = 'FINISHED'", ['r1', 'r4']],
      ["attributes.status IN ('FAILED', 'RUNNING')", ['r2', 'r3']],
      ["status NOT IN ('FINISHED')", ['r2', 'r3']],
      ["attributes.run_name = 'special run'", ['r3']],
      ["attributes.run_name LIKE 'r%'", ['r1', 'r2', 'r4']],
      ["`Run name` = 'special run'", ['r3']],
      ["attributes.user_id = 'bob'", ['r2']],
      [`attributes.start_time > ${T0 + 2500}`, ['r3', 'r4']],
      [`created >= ${T0 + 2000} and created < ${T0 + 4000}`, ['r2', 'r3']],
      [`run_id IN ('${ids.r1}', '${ids.r4}')`, ['r1', 'r4']],
      [`attributes.run_id NOT IN ('${ids.r1}', '${ids.r4}')`, ['r2', 'r3']],
      [`tags."mlflow.parentRunId" = '${ids.r1}'`, ['r4']],
      [`tags.mlflow.parentRunId = '${ids.r1}'`, ['r4']],
      ['metrics.`my metric` = 5', ['r3']],
      ['metrics.loss != 0.2', ['r3']],
      ['metrics.loss < 1', ['r1']],
      ['attributes.end_time IS NULL', ['r3']],
      [`attributes.end_time = ${T0 + 10_000}`, ['r1', 'r2', 'r4']],
      ["datasets.name = 'flights'", ['r1']],
      ["datasets.digest IN ('abc', 'def')", ['r1']],
      ["datasets.context = 'train'", ['r1']],
      ["params.model = 'GPT-2' and params.model = 'GPT-3'", []],
    ]
    for (const [filter, expected] of table) expect(await search(filter), filter).toEqual(expected)
    expect(await search('', { viewType: 'deleted' })).toEqual(['r5'])
    expect(await search("params.lr = '0.1'", { viewType: 'all' })).toEqual(['r1', 'r3', 'r5'])
    const both = await tracking.runs.search({ experimentIds: [a, b], filter: "params.lr = '0.1'" })
    expect(both.items.map((r) => names[r.info.runId]).sort()).toEqual(['r1', 'r3', 'r6'])
    expect((await tracking.runs.search({ experimentIds: [] })).items).toEqual([])

    const bad = await tracking.runs
      .search({ experimentIds: [a], filter: "params.lr = '0.1' or tags.x = 'y'" })
      .catch((e: unknown) => e)
    expect(isStrataError(bad, 'INVALID_ARGUMENT')).toBe(true)
    expect((bad as { details: unknown }).details).toMatchObject({ position: 18, token: 'or' })
  })

  it('orders by metrics, params, tags and attributes with missing values last', async () => {
    const { tracking, a, names } = await seed(openFresh)
    const order = async (...orderBy: string[]) =>
      (await tracking.runs.search({ experimentIds: [a], orderBy })).items.map((r) => names[r.info.runId])
    expect(await order()).toEqual(['r4', 'r3', 'r2', 'r1'])
    expect(await order('metrics.auc DESC')).toEqual(['r1', 'r3', 'r2', 'r4'])
    expect(await order('metrics.auc ASC')).toEqual(['r2', 'r3', 'r1', 'r4'])
    expect(await order('attributes.start_time')).toEqual(['r1', 'r2', 'r3', 'r4'])
    expect(await order('params.lr DESC', 'attributes.run_name')).toEqual(['r1', 'r3', 'r2', 'r4'])
    expect(await order('tags.team')).toEqual(['r3', 'r1', 'r2', 'r4'])
    expect(await order('metrics.loss DESC')).toEqual(['r1', 'r3', 'r4', 'r2'])
    expect(await order('attributes.end_time DESC', 'run_name DESC')).toEqual(['r4', 'r2', 'r1', 'r3'])
    const bad = await order('metrics.auc SIDEWAYS').catch((e: unknown) => e)
    expect(isStrataError(bad, 'INVALID_ARGUMENT')).toBe(true)
  })

  it('pages with opaque tokens until the last page', async () => {
    const { tracking } = await seed(openFresh)
    const exp = (await tracking.experiments.create('paged')).experimentId
    const created: string[] = []
    for (let i = 0; i < 7; i++) {
      const run = await tracking.runs.create({ experimentId: exp, startTime: T0 + i })
      await tracking.runs.logMetric(run.info.runId, { key: 'i', value: i })
      created.push(run.info.runId)
    }
    const seen: string[] = []
    const sizes: number[] = []
    let token: string | undefined
    do {
      const page = await tracking.runs.search({
        experimentIds: [exp],
        orderBy: ['metrics.i'],
        maxResults: 3,
        ...(token ? { pageToken: token } : {}),
      })
      sizes.push(page.items.length)
      seen.push(...page.items.map((r) => r.info.runId))
      token = page.nextPageToken
    } while (token)
    expect(sizes).toEqual([3, 3, 1])
    expect(seen).toEqual(created)
    const exact = await tracking.runs.search({ experimentIds: [exp], maxResults: 7 })
    expect(exact.items).toHaveLength(7)
    expect(exact.nextPageToken).toBeUndefined()
    for (const pageToken of ['garbage', Buffer.from('{"offset":-1}').toString('base64')]) {
      const err = await tracking.runs.search({ experimentIds: [exp], pageToken }).catch((e: unknown) => e)
      expect(isStrataError(err, 'INVALID_ARGUMENT'), pageToken).toBe(true)
    }
    const tooMany = await tracking.runs
      .search({ experimentIds: [exp], maxResults: 50_001 })
      .catch((e: unknown) => e)
    expect(isStrataError(tooMany, 'INVALID_ARGUMENT')).toBe(true)
  })

  it('searches experiments by name, tags and times, with view types, order and paging', async () => {
    const { tracking } = await seed(openFresh)
    await tracking.experiments.create('flights-a', { tags: { team: 'ml' } })
    await tracking.experiments.create('flights-b')
    const w = await tracking.experiments.create('Weather', { tags: { team: 'geo' } })
    await tracking.experiments.delete(w.experimentId)
    const names = async (opts: Parameters<typeof tracking.experiments.search>[0]) =>
      (await tracking.experiments.search(opts)).items.map((e) => e.name)
    expect(await names({ filter: "name LIKE 'flights%'", orderBy: ['name'] })).toEqual([
      'flights-a',
      'flights-b',
    ])
    expect(await names({ filter: "name ILIKE 'weather'" })).toEqual([])
    expect(await names({ filter: "name ILIKE 'weather'", viewType: 'deleted' })).toEqual(['Weather'])
    expect(await names({ filter: "tags.team = 'ml'" })).toEqual(['flights-a'])
    expect(await names({ filter: 'tags.team IS NULL', orderBy: ['name DESC'] })).toEqual([
      'flights-b',
      'Default',
      'B',
      'A',
    ])
    expect(await names({ viewType: 'all', orderBy: ['experiment_id DESC'], maxResults: 2 })).toEqual([
      'Weather',
      'flights-b',
    ])
    const first = await tracking.experiments.search({ orderBy: ['name'], maxResults: 2 })
    expect(first.items.map((e) => e.name)).toEqual(['A', 'B'])
    const second = await tracking.experiments.search({
      orderBy: ['name'],
      maxResults: 2,
      ...(first.nextPageToken ? { pageToken: first.nextPageToken } : {}),
    })
    expect(second.items.map((e) => e.name)).toEqual(['Default', 'flights-a'])
    expect(await names({ filter: `creation_time >= ${T0}`, orderBy: ['name'] })).toContain('flights-a')
    const bad = await tracking.experiments.search({ filter: 'metrics.x > 1' }).catch((e: unknown) => e)
    expect(isStrataError(bad, 'INVALID_ARGUMENT')).toBe(true)
  })
})
