import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { testServiceContext } from '../../test/support/service-context.js'
import { MemoryBlobStore } from '../backends/memory/memory-blob-store.js'
import { isStrataError } from '../core/errors.js'
import { lineageMigrations } from '../data/lineage/index.js'
import { runMigrations } from '../db/index.js'
import { describeMetadata, type OpenFreshMetadata } from '../testing/metadata-fixture.js'
import { trackingMigrations } from './tracking-migrations.js'
import { TrackingStore } from './tracking-store.js'

/** A tracking store over a fresh database, a memory blob store and a manual clock. */
async function openTracking(openFresh: OpenFreshMetadata) {
  const metadata = await openFresh()
  await runMigrations(metadata, [...lineageMigrations, ...trackingMigrations])
  const clock = { t: 1_700_000_000_000 }
  const blobs = new MemoryBlobStore()
  const ctx = testServiceContext(metadata, { blobs, now: () => clock.t })
  const tracking = new TrackingStore(ctx)
  return { tracking, metadata, blobs, clock, lineage: ctx.lineage }
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (err) {
    return isStrataError(err) ? err.code : `non-strata: ${String(err)}`
  }
  return undefined
}

async function text(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = []
  for await (const c of stream) parts.push(c)
  return Buffer.concat(parts).toString('utf8')
}

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describeMetadata('TrackingStore', (openFresh) => {
  it('has the Default experiment "0" and manages experiments like MLflow', async () => {
    const { tracking, clock } = await openTracking(openFresh)
    const def = await tracking.experiments.get('0')
    expect(def).toMatchObject({ experimentId: '0', name: 'Default', lifecycleStage: 'active' })
    expect(def.artifactLocation).toBe('mlflow-artifacts:/0')

    const a = await tracking.experiments.create('flights', { tags: { team: 'ml' } })
    const b = await tracking.experiments.create('weather')
    expect([a.experimentId, b.experimentId]).toEqual(['1', '2'])
    expect(a.tags).toEqual({ team: 'ml' })
    expect(a.artifactLocation).toBe('mlflow-artifacts:/1')
    expect(await codeOf(tracking.experiments.create('flights'))).toBe('ALREADY_EXISTS')
    expect(await codeOf(tracking.experiments.getByName('nope'))).toBe('NOT_FOUND')
    expect(await codeOf(tracking.experiments.get('99'))).toBe('NOT_FOUND')

    clock.t += 10
    await tracking.experiments.rename(a.experimentId, 'flights-v2')
    await tracking.experiments.setTag(a.experimentId, 'owner', 'ana')
    const renamed = await tracking.experiments.getByName('flights-v2')
    expect(renamed).toMatchObject({ experimentId: '1', tags: { team: 'ml', owner: 'ana' } })
    expect(renamed.lastUpdateTime).toBe(clock.t)
    await tracking.experiments.deleteTag('1', 'team')
    expect((await tracking.experiments.get('1')).tags).toEqual({ owner: 'ana' })
    expect(await codeOf(tracking.experiments.rename('2', 'flights-v2'))).toBe('ALREADY_EXISTS')

    const run = await tracking.runs.create({ experimentId: '1' })
    await tracking.experiments.delete('1')
    expect((await tracking.experiments.get('1')).lifecycleStage).toBe('deleted')
    expect((await tracking.runs.get(run.info.runId)).info.lifecycleStage).toBe('deleted')
    expect(await codeOf(tracking.runs.create({ experimentId: '1' }))).toBe('FAILED_PRECONDITION')
    expect(await codeOf(tracking.experiments.create('flights-v2'))).toBe('ALREADY_EXISTS')
    expect(await codeOf(tracking.experiments.rename('1', 'x'))).toBe('FAILED_PRECONDITION')
    await tracking.experiments.restore('1')
    expect((await tracking.runs.get(run.info.runId)).info.lifecycleStage).toBe('active')
    expect(await codeOf(tracking.experiments.delete('0'))).toBe('FAILED_PRECONDITION')
    expect((await tracking.experiments.getOrCreate('weather')).experimentId).toBe('2')
    expect((await tracking.experiments.getOrCreate('new one')).experimentId).toBe('3')
  })

  it('creates, updates, ends, deletes and restores runs', async () => {
    const { tracking, clock } = await openTracking(openFresh)
    const run = await tracking.runs.create({ runName: 'first', userId: 'ana', tags: { team: 'x' } })
    expect(run.info).toMatchObject({
      runName: 'first',
      experimentId: '0',
      userId: 'ana',
      status: 'RUNNING',
      startTime: clock.t,
      endTime: null,
      lifecycleStage: 'active',
      artifactUri: `mlflow-artifacts:/0/${run.info.runId}`,
    })
    expect(run.info.runId).toMatch(/^[0-9a-f]{32}$/)
    expect(run.data.tags).toEqual({ team: 'x', 'mlflow.runName': 'first' })

    const unnamed = await tracking.runs.create({})
    expect(unnamed.info.runName).toMatch(/^[a-z]+-[a-z]+-\d+$/)
    const tagged = await tracking.runs.create({ tags: { 'mlflow.runName': 'from-tag' } })
    expect(tagged.info.runName).toBe('from-tag')
    expect(await codeOf(tracking.runs.create({ runName: 'a', tags: { 'mlflow.runName': 'b' } }))).toBe(
      'INVALID_ARGUMENT',
    )

    await tracking.runs.update(run.info.runId, { runName: 'renamed' })
    expect((await tracking.runs.get(run.info.runId)).data.tags['mlflow.runName']).toBe('renamed')
    await tracking.runs.setTag(run.info.runId, 'mlflow.runName', 'by-tag')
    expect((await tracking.runs.get(run.info.runId)).info.runName).toBe('by-tag')

    clock.t += 500
    const ended = await tracking.runs.end(run.info.runId, 'KILLED')
    expect(ended).toMatchObject({ status: 'KILLED', endTime: clock.t })
    expect(await codeOf(tracking.runs.update(run.info.runId, { status: 'DONE' as never }))).toBe(
      'INVALID_ARGUMENT',
    )

    await tracking.runs.delete(run.info.runId)
    expect((await tracking.runs.get(run.info.runId)).info.lifecycleStage).toBe('deleted')
    expect(await codeOf(tracking.runs.logParam(run.info.runId, 'a', '1'))).toBe('FAILED_PRECONDITION')
    await tracking.runs.restore(run.info.runId)
    await tracking.runs.logParam(run.info.runId, 'a', '1')
    expect(await codeOf(tracking.runs.get('0123456789abcdef0123456789abcdef'))).toBe('NOT_FOUND')
    expect(await codeOf(tracking.runs.get('../etc'))).toBe('INVALID_ARGUMENT')

    await tracking.runs.deleteTag(run.info.runId, 'team')
    expect(await codeOf(tracking.runs.deleteTag(run.info.runId, 'team'))).toBe('NOT_FOUND')
  })

  it('keeps params immutable: another value fails naming key, old and new value; the same value is fine', async () => {
    const { tracking } = await openTracking(openFresh)
    const { info } = await tracking.runs.create({})
    await tracking.runs.logParam(info.runId, 'lr', '0.1')
    await tracking.runs.logParam(info.runId, 'lr', '0.1')
    await tracking.runs.logBatch(info.runId, {
      params: [
        { key: 'lr', value: '0.1' },
        { key: 'depth', value: '6' },
      ],
    })
    const err = await tracking.runs.logParam(info.runId, 'lr', '0.2').catch((e: unknown) => e)
    expect(isStrataError(err, 'INVALID_ARGUMENT')).toBe(true)
    expect((err as Error).message).toContain('"lr"')
    expect((err as Error).message).toContain('"0.1"')
    expect((err as Error).message).toContain('"0.2"')
    expect((err as { details: unknown }).details).toMatchObject({
      key: 'lr',
      oldValue: '0.1',
      newValue: '0.2',
    })

    // A failing batch writes nothing at all (one transaction).
    const batch = tracking.runs.logBatch(info.runId, {
      metrics: [{ key: 'loss', value: 1, timestamp: 5, step: 0 }],
      params: [
        { key: 'fresh', value: 'x' },
        { key: 'lr', value: '0.3' },
      ],
      tags: [{ key: 't', value: 'v' }],
    })
    expect(await codeOf(batch)).toBe('INVALID_ARGUMENT')
    const run = await tracking.runs.get(info.runId)
    expect(run.data.params).toEqual({ lr: '0.1', depth: '6' })
    expect(run.data.metrics).toEqual({})
    expect(run.data.tags.t).toBeUndefined()
    expect(
      await codeOf(
        tracking.runs.logBatch(info.runId, {
          params: [
            { key: 'k', value: 'a' },
            { key: 'k', value: 'b' },
          ],
        }),
      ),
    ).toBe('INVALID_ARGUMENT')
  })

  it('validates keys, values and batch limits', async () => {
    const { tracking } = await openTracking(openFresh)
    const { info } = await tracking.runs.create({})
    for (const key of ['', '/abs', 'a/../b', 'a//b', 'a/', 'bad*char', 'x'.repeat(251)]) {
      expect(await codeOf(tracking.runs.logParam(info.runId, key, '1')), key).toBe('INVALID_ARGUMENT')
    }
    await tracking.runs.logParam(info.runId, 'dir/sub key:1.x-y', 'ok')
    // Over-long values are cut to MLflow's limits, as its server does by default (code points).
    await tracking.runs.logParam(info.runId, 'long', `${'é'.repeat(5999)}😀😀`)
    await tracking.runs.setTag(info.runId, 'long-tag', 't'.repeat(9000))
    const { data } = await tracking.runs.get(info.runId)
    expect(data.params.long).toBe(`${'é'.repeat(5999)}😀`)
    expect(data.tags['long-tag']).toBe('t'.repeat(8000))
    // Re-logging the same long value is the same param.
    await tracking.runs.logParam(info.runId, 'long', `${'é'.repeat(5999)}😀😀`)
    expect(await codeOf(tracking.runs.logMetric(info.runId, { key: 'm', value: 'x' as never }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(await codeOf(tracking.runs.logMetric(info.runId, { key: 'm', value: 1, timestamp: -1 }))).toBe(
      'INVALID_ARGUMENT',
    )
    const many = Array.from({ length: 1001 }, (_, i) => ({ key: `m${i}`, value: i }))
    expect(await codeOf(tracking.runs.logBatch(info.runId, { metrics: many }))).toBe('INVALID_ARGUMENT')
  })

  it('logs a batch of 1000 metrics and keeps full history ordered by step, then timestamp', async () => {
    const { tracking } = await openTracking(openFresh)
    const { info } = await tracking.runs.create({})
    const metrics = Array.from({ length: 1000 }, (_, i) => ({
      key: i % 2 === 0 ? 'loss' : 'acc',
      value: i / 1000,
      timestamp: 1000 + (999 - i),
      step: Math.floor(i / 2),
    }))
    await tracking.runs.logBatch(info.runId, { metrics })
    // Retrying the same batch (e.g. after a timeout) adds nothing.
    await tracking.runs.logBatch(info.runId, { metrics: metrics.slice(0, 10) })
    const loss = await tracking.runs.metricHistory(info.runId, 'loss', { maxResults: 300 })
    expect(loss.items).toHaveLength(300)
    expect(loss.items[0]).toEqual({ key: 'loss', value: 0, timestamp: 1999, step: 0 })
    const rest = await tracking.runs.metricHistory(info.runId, 'loss', {
      maxResults: 300,
      ...(loss.nextPageToken ? { pageToken: loss.nextPageToken } : {}),
    })
    expect(rest.items).toHaveLength(200)
    expect(rest.nextPageToken).toBeUndefined()
    const steps = [...loss.items, ...rest.items].map((m) => m.step)
    const all = await tracking.runs.metricHistory(info.runId, 'loss')
    expect(all.items).toHaveLength(500)
    expect(all.nextPageToken).toBeUndefined()
    expect(
      (await tracking.runs.metricHistory(info.runId, 'loss', { maxResults: 100_000 })).items,
    ).toHaveLength(500)
    expect(steps).toEqual(Array.from({ length: 500 }, (_, i) => i))

    // Same step: ordered by timestamp; the latest value is the highest step, then timestamp.
    await tracking.runs.logBatch(info.runId, {
      metrics: [
        { key: 'f1', value: 0.5, timestamp: 30, step: 2 },
        { key: 'f1', value: 0.4, timestamp: 10, step: 2 },
        { key: 'f1', value: 0.9, timestamp: 99, step: 1 },
      ],
    })
    await tracking.runs.logMetric(info.runId, { key: 'f1', value: 0.45, timestamp: 20, step: 2 })
    const f1 = await tracking.runs.metricHistory(info.runId, 'f1')
    expect(f1.items.map((m) => [m.step, m.timestamp, m.value])).toEqual([
      [1, 99, 0.9],
      [2, 10, 0.4],
      [2, 20, 0.45],
      [2, 30, 0.5],
    ])
    const run = await tracking.runs.get(info.runId)
    expect(run.data.metrics.f1).toEqual({ value: 0.5, timestamp: 30, step: 2 })
    expect(run.data.metrics.loss).toEqual({ value: 0.998, timestamp: 1001, step: 499 })
    // An older point logged later does not replace the latest one.
    await tracking.runs.logMetric(info.runId, { key: 'f1', value: 0.1, timestamp: 5, step: 0 })
    expect((await tracking.runs.get(info.runId)).data.metrics.f1?.value).toBe(0.5)
  })

  it('lands concurrent batches on one run without deadlocks or lost latest values', async () => {
    const { tracking } = await openTracking(openFresh)
    const { info } = await tracking.runs.create({})
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`)
    await Promise.all(
      Array.from({ length: 8 }, (_, b) => {
        const order = b % 2 === 0 ? keys : [...keys].reverse()
        return tracking.runs.logBatch(info.runId, {
          metrics: order.map((key) => ({ key, value: b, timestamp: 100, step: b })),
          tags: order.map((key) => ({ key, value: String(b) })).slice(0, 5),
          params: [{ key: 'shared', value: 'same' }],
        })
      }),
    )
    const run = await tracking.runs.get(info.runId)
    for (const key of keys) expect(run.data.metrics[key]).toEqual({ value: 7, timestamp: 100, step: 7 })
    expect((await tracking.runs.metricHistory(info.runId, 'k3')).items).toHaveLength(8)
    expect(run.data.params).toEqual({ shared: 'same' })
  })

  it('stores NaN and infinities', async () => {
    const { tracking } = await openTracking(openFresh)
    const { info } = await tracking.runs.create({})
    await tracking.runs.logBatch(info.runId, {
      metrics: [
        { key: 'nan', value: Number.NaN, timestamp: 1 },
        { key: 'inf', value: Number.POSITIVE_INFINITY, timestamp: 1 },
        { key: 'ninf', value: Number.NEGATIVE_INFINITY, timestamp: 1 },
      ],
    })
    const run = await tracking.runs.get(info.runId)
    expect(run.data.metrics.nan?.value).toBeNaN()
    expect(run.data.metrics.inf?.value).toBe(Number.POSITIVE_INFINITY)
    expect(run.data.metrics.ninf?.value).toBe(Number.NEGATIVE_INFINITY)
    expect((await tracking.runs.metricHistory(info.runId, 'nan')).items[0]?.value).toBeNaN()
  })

  it('nests runs under a parent and ends withRun FINISHED or FAILED', async () => {
    const { tracking } = await openTracking(openFresh)
    const result = await tracking.withRun({ experiment: 'sweep', name: 'parent' }, async (parent) => {
      const child = await tracking.startRun({ experiment: 'sweep', name: 'child', parent })
      await child.logMetrics({ loss: 0.3 }, { step: 1 })
      await child.end()
      return { parentId: parent.runId, childId: child.runId }
    })
    const parent = await tracking.runs.get(result.parentId)
    const child = await tracking.runs.get(result.childId)
    expect(parent.info.status).toBe('FINISHED')
    expect(parent.info.endTime).not.toBeNull()
    expect(child.data.tags['mlflow.parentRunId']).toBe(result.parentId)
    expect(child.info.experimentId).toBe(parent.info.experimentId)
    const children = await tracking.runs.search({
      experimentIds: [parent.info.experimentId],
      filter: `tags."mlflow.parentRunId" = '${result.parentId}'`,
    })
    expect(children.items.map((r) => r.info.runId)).toEqual([result.childId])

    let failedId = ''
    const boom = new Error('boom')
    const thrown = await tracking
      .withRun({ name: 'fails' }, async (run) => {
        failedId = run.runId
        await run.logParams({ lr: 0.1, deep: true })
        throw boom
      })
      .catch((e: unknown) => e)
    expect(thrown).toBe(boom)
    const failed = await tracking.runs.get(failedId)
    expect(failed.info.status).toBe('FAILED')
    expect(failed.data.params).toEqual({ lr: '0.1', deep: 'true' })
    expect(await codeOf(tracking.startRun({ parent: '0123456789abcdef0123456789abcdef' }))).toBe('NOT_FOUND')
  })

  it('round-trips artifacts: bytes, files, directories, listing and deletion', async () => {
    const { tracking, blobs } = await openTracking(openFresh)
    const run = await tracking.startRun({ experiment: 'art' })
    const dir = mkdtempSync(join(tmpdir(), 'strata-art-'))
    dirs.push(dir)
    writeFileSync(join(dir, 'model.onnx'), 'ONNX')
    mkdirSync(join(dir, 'plots', 'roc'), { recursive: true })
    writeFileSync(join(dir, 'plots', 'a.png'), 'PNG-A')
    writeFileSync(join(dir, 'plots', 'roc', 'b.png'), 'PNG-B')

    expect(await run.logArtifact(new TextEncoder().encode('{"auc":0.9}'), 'eval/metrics.json')).toEqual([
      'eval/metrics.json',
    ])
    expect(await run.logArtifact(join(dir, 'model.onnx'))).toEqual(['model.onnx'])
    expect(await run.logArtifact(join(dir, 'plots'), 'plots')).toEqual(['plots/a.png', 'plots/roc/b.png'])

    const key = `artifacts/${run.experimentId}/${run.runId}/eval/metrics.json`
    expect(await blobs.stat(key)).toMatchObject({ size: 11 })
    expect(await tracking.runs.listArtifacts(run.runId)).toEqual([
      { path: 'eval', isDir: true },
      { path: 'model.onnx', isDir: false, fileSize: 4 },
      { path: 'plots', isDir: true },
    ])
    expect(await tracking.runs.listArtifacts(run.runId, 'plots/')).toEqual([
      { path: 'plots/a.png', isDir: false, fileSize: 5 },
      { path: 'plots/roc', isDir: true },
    ])
    expect(await tracking.runs.listArtifacts(run.runId, 'model.onnx')).toEqual([])
    expect(await text(await tracking.runs.openArtifact(run.runId, 'plots/roc/b.png'))).toBe('PNG-B')
    // The MLflow proxy addresses the same files by path.
    const proxied = `${run.experimentId}/${run.runId}/model.onnx`
    expect(await text(await tracking.artifacts.get(proxied))).toBe('ONNX')
    expect(await tracking.artifacts.list(`${run.experimentId}/${run.runId}/eval`)).toEqual([
      { path: `${run.experimentId}/${run.runId}/eval/metrics.json`, isDir: false, fileSize: 11 },
    ])

    expect(await codeOf(tracking.runs.openArtifact(run.runId, 'missing.txt'))).toBe('NOT_FOUND')
    expect(await codeOf(tracking.runs.openArtifact(run.runId, '../other/x'))).toBe('INVALID_ARGUMENT')
    expect(await codeOf(run.logArtifact(new Uint8Array(1)))).toBe('INVALID_ARGUMENT')
    expect(await tracking.runs.deleteArtifacts(run.runId, 'plots')).toBe(2)
    expect((await tracking.runs.listArtifacts(run.runId)).map((e) => e.path)).toEqual(['eval', 'model.onnx'])
  })

  it('records run inputs as lineage edges and dataset inputs', async () => {
    const { tracking, lineage } = await openTracking(openFresh)
    const run = await tracking.startRun({ experiment: 'lineage', name: 'train-1' })
    await run.logInput('dataset-commit:3f2a9c', { context: 'training' })
    await run.logInput('training-set:ts1')
    await run.logInput('training-set:ts1')
    const up = await lineage.upstream(`run:${run.runId}`)
    expect(up.edges.map((e) => `${e.from}>${e.activity}`).sort()).toEqual([
      'dataset-commit:3f2a9c>train',
      'training-set:ts1>train',
    ])
    expect((await lineage.node(`run:${run.runId}`)).label).toBe('train-1')
    const stored = await run.get()
    expect(stored.inputs.datasetInputs).toEqual([
      {
        dataset: {
          name: 'dataset-commit:3f2a9c',
          digest: '3f2a9c',
          sourceType: 'strata',
          source: 'dataset-commit:3f2a9c',
        },
        tags: { 'mlflow.data.context': 'training' },
      },
      {
        dataset: {
          name: 'training-set:ts1',
          digest: 'ts1',
          sourceType: 'strata',
          source: 'training-set:ts1',
        },
        tags: {},
      },
    ])
    expect(await codeOf(run.logInput('not a node'))).toBe('INVALID_ARGUMENT')
    const found = await tracking.runs.search({
      experimentIds: [run.experimentId],
      filter: "datasets.context = 'training' and datasets.name LIKE 'dataset-commit:%'",
    })
    expect(found.items.map((r) => r.info.runId)).toEqual([run.runId])
  })

  it('supports MLflow 3 logged models, run outputs and 2.x log-model records', async () => {
    const { tracking } = await openTracking(openFresh)
    const exp = await tracking.experiments.create('models')
    const run = await tracking.runs.create({ experimentId: exp.experimentId })
    const model = await tracking.loggedModels.create({
      experimentId: exp.experimentId,
      name: 'model',
      sourceRunId: run.info.runId,
      params: [{ key: 'alpha', value: '0.5' }],
      tags: [{ key: 'flavor', value: 'sklearn' }],
    })
    expect(model.modelId).toMatch(/^m-[0-9a-f]{32}$/)
    expect(model.status).toBe('LOGGED_MODEL_PENDING')
    expect(model.artifactUri).toBe(`mlflow-artifacts:/${exp.experimentId}/models/${model.modelId}/artifacts`)
    await tracking.runs.logOutputs(run.info.runId, [{ modelId: model.modelId, step: 3 }])
    await tracking.runs.logBatch(run.info.runId, {
      metrics: [{ key: 'acc', value: 0.9, timestamp: 1, step: 3, modelId: model.modelId }],
    })
    await tracking.loggedModels.finalize(model.modelId, 'LOGGED_MODEL_READY')
    await tracking.loggedModels.setTags(model.modelId, [{ key: 'mlflow.modelVersions', value: '[]' }])
    const got = await tracking.loggedModels.get(model.modelId)
    expect(got).toMatchObject({
      status: 'LOGGED_MODEL_READY',
      params: { alpha: '0.5' },
      tags: { flavor: 'sklearn', 'mlflow.modelVersions': '[]' },
      metrics: [{ key: 'acc', value: 0.9, step: 3, runId: run.info.runId }],
    })
    expect((await tracking.runs.get(run.info.runId)).outputs.modelOutputs).toEqual([
      { modelId: model.modelId, step: 3 },
    ])
    const search = await tracking.loggedModels.search({
      experimentIds: [exp.experimentId],
      filter: `source_run_id = '${run.info.runId}' and metrics.acc > 0.5`,
    })
    expect(search.items.map((m) => m.modelId)).toEqual([model.modelId])
    // MLflow's `datasets`: models with a metric on one of the datasets (digest when given).
    await tracking.runs.logBatch(run.info.runId, {
      metrics: [
        {
          key: 'f1',
          value: 0.5,
          timestamp: 2,
          modelId: model.modelId,
          datasetName: 'eval',
          datasetDigest: 'd1',
        },
      ],
    })
    const other = await tracking.loggedModels.create({ experimentId: exp.experimentId })
    const byDataset = async (datasets: { name: string; digest?: string }[]) =>
      (await tracking.loggedModels.search({ experimentIds: [exp.experimentId], datasets })).items.map(
        (m) => m.modelId,
      )
    expect(await byDataset([{ name: 'eval' }])).toEqual([model.modelId])
    expect(await byDataset([{ name: 'eval', digest: 'd1' }])).toEqual([model.modelId])
    expect(await byDataset([{ name: 'eval', digest: 'other' }])).toEqual([])
    expect((await byDataset([])).sort()).toEqual([other.modelId, model.modelId].sort())
    expect(await codeOf(byDataset([{ name: '' }]))).toBe('INVALID_ARGUMENT')
    expect(
      await codeOf(
        tracking.loggedModels.search({
          experimentIds: [exp.experimentId],
          filter: 'metrics.f1 > 0',
          datasets: [{ name: 'eval' }],
        }),
      ),
    ).toBe('INVALID_ARGUMENT')
    await tracking.loggedModels.delete(other.modelId)
    // As MLflow's server: the source run is stored as given, it need not exist here.
    const foreign = await tracking.loggedModels.create({ experimentId: exp.experimentId, sourceRunId: '123' })
    expect((await tracking.loggedModels.get(foreign.modelId)).sourceRunId).toBe('123')
    expect(await codeOf(tracking.runs.logOutputs(run.info.runId, [{ modelId: 'm-nope' }]))).toBe('NOT_FOUND')
    expect(await codeOf(tracking.loggedModels.finalize(model.modelId, 'DONE' as never))).toBe(
      'INVALID_ARGUMENT',
    )

    await tracking.runs.recordLoggedModel(run.info.runId, { artifact_path: 'model', flavors: {} })
    await tracking.runs.recordLoggedModel(run.info.runId, { artifact_path: 'model2', flavors: {} })
    const history = JSON.parse(
      (await tracking.runs.get(run.info.runId)).data.tags['mlflow.log-model.history'] ?? '[]',
    )
    expect(history.map((m: { artifact_path: string }) => m.artifact_path)).toEqual(['model', 'model2'])
    await tracking.loggedModels.delete(model.modelId)
    expect(await codeOf(tracking.loggedModels.get(model.modelId))).toBe('NOT_FOUND')
  })
})
