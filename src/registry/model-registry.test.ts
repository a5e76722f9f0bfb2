import { expect, it } from 'vitest'
import { testServiceContext } from '../../test/support/service-context.js'
import { MemoryBlobStore } from '../backends/memory/index.js'
import { isStrataError, type StrataError } from '../core/errors.js'
import { lineageMigrations } from '../data/lineage/index.js'
import { type MetadataDatabase, runMigrations } from '../db/index.js'
import { describeMetadata } from '../testing/metadata-fixture.js'
import { ModelRegistry } from './model-registry.js'
import { linearClassifierToOnnx } from './onnx/index.js'
import { registryMigrations } from './registry-migrations.js'

const onnx = (bias = 0) =>
  linearClassifierToOnnx({ coefficients: [[1, -1, 0.5]], intercepts: [bias], classLabels: [0, 1] })

/** The StrataError `p` rejects with (anything else fails the test). */
async function failure(p: Promise<unknown>): Promise<StrataError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  if (e === undefined) throw new Error('expected the call to fail')
  if (!isStrataError(e)) throw e
  return e
}

describeMetadata('ModelRegistry', (openFresh) => {
  const open = async (options: { now?: () => number } = {}) => {
    const metadata: MetadataDatabase = await openFresh()
    await runMigrations(metadata, [...lineageMigrations, ...registryMigrations])
    const blobs = new MemoryBlobStore()
    const ctx = testServiceContext(metadata, { blobs, ...options })
    return { metadata, blobs, registry: new ModelRegistry(ctx), lineage: ctx.lineage }
  }

  it('registers ONNX versions with the signature onnxruntime reports, files in the blob store, and lineage', async () => {
    const { registry, blobs, lineage } = await open()
    const v1 = await registry.registerVersion('flight-delay', {
      onnx: onnx(),
      runId: 'run-1',
      runLink: 'http://ui/runs/run-1',
      description: 'first',
      tags: { team: 'ml' },
      metrics: { auc: 0.81 },
    })
    expect(v1).toMatchObject({
      name: 'flight-delay',
      version: 1,
      flavor: 'onnx',
      status: 'READY',
      statusMessage: null,
      runId: 'run-1',
      runLink: 'http://ui/runs/run-1',
      description: 'first',
      tags: { team: 'ml' },
      metrics: { auc: 0.81 },
      source: 'models/flight-delay/1',
      storagePrefix: 'models/flight-delay/1',
      createdBy: 'tester',
      aliases: [],
    })
    expect(v1.signature).toEqual({
      inputs: [{ name: 'features', type: 'float32', shape: ['N', 3] }],
      outputs: [
        { name: 'label', type: 'int64', shape: ['N'] },
        { name: 'probabilities', type: 'float32', shape: ['N', 2] },
      ],
    })
    expect(v1.onnx?.opsets).toEqual({ '': 17, 'ai.onnx.ml': 3 })
    expect(v1.files).toEqual([
      { path: 'model.onnx', size: onnx().byteLength, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      { path: 'MLmodel', size: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ])
    // MLflow's descriptor, with the tensor signature onnxruntime reports (symbolic sizes as -1).
    const mlmodel = Buffer.from(await registry.readFile('flight-delay', 1, 'MLmodel')).toString()
    expect(mlmodel).toContain('  python_function:\n    data: model.onnx\n    loader_module: mlflow.onnx\n')
    expect(mlmodel).toContain(
      `  inputs: '[{"type":"tensor","tensor-spec":{"dtype":"float32","shape":[-1,3]},"name":"features"}]'`,
    )
    expect(await blobs.stat('models/flight-delay/1/model.onnx')).toMatchObject({ size: onnx().byteLength })
    expect(Buffer.from(await registry.readFile('flight-delay', 1)).equals(Buffer.from(onnx()))).toBe(true)
    expect(await failure(registry.readFile('flight-delay', 1, 'nope.bin'))).toMatchObject({
      code: 'NOT_FOUND',
      message: 'model "flight-delay" version 1 has no file "nope.bin" (files: model.onnx, MLmodel)',
    })

    const v2 = await registry.registerVersion('flight-delay', { onnx: onnx(1), runId: 'run-2' })
    expect(v2.version).toBe(2)
    const model = await registry.getModel('flight-delay')
    expect(model).toMatchObject({ name: 'flight-delay', latestVersion: 2, createdBy: 'tester' })
    const up = await lineage.upstream('model-version:flight-delay/2')
    expect(up.edges).toEqual([
      expect.objectContaining({
        from: 'run:run-2',
        to: 'model-version:flight-delay/2',
        activity: 'register',
      }),
    ])
    expect((await lineage.node('model-version:flight-delay/1')).label).toBe('flight-delay v1')
  })

  it('rejects a model onnxruntime cannot load with INVALID_ARGUMENT and allocates no version', async () => {
    const { registry } = await open()
    const err = await failure(registry.registerVersion('broken', { onnx: new Uint8Array([1, 2, 3, 4]) }))
    expect(isStrataError(err, 'INVALID_ARGUMENT')).toBe(true)
    expect(err.message).toMatch(/^onnxruntime cannot load the model: ./)
    expect((await registry.searchModels()).items).toEqual([])
  })

  it('gives concurrent registrations distinct, consecutive version numbers', async () => {
    const { registry } = await open()
    const versions = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        registry.registerVersion('race', { flavor: 'external', source: `s3://b/m${i}` }),
      ),
    )
    expect(versions.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    const sources = new Set(versions.map((v) => v.source))
    expect(sources.size).toBe(8)
  })

  it('does not reuse the number of a deleted version, and removes its files and aliases', async () => {
    const { registry, blobs } = await open()
    await registry.registerVersion('m', { onnx: onnx() })
    await registry.registerVersion('m', { onnx: onnx(1) })
    await registry.setAlias('m', 'champion', 2)
    await registry.deleteVersion('m', 2, { actor: 'cleaner' })
    expect(await blobs.stat('models/m/2/model.onnx')).toBeUndefined()
    expect((await registry.getModel('m')).aliases).toEqual({})
    const history = await registry.aliasHistory('m')
    expect(history.at(-1)).toMatchObject({
      alias: 'champion',
      fromVersion: 2,
      toVersion: null,
      actor: 'cleaner',
      reason: 'version 2 deleted',
    })
    expect((await registry.registerVersion('m', { onnx: onnx() })).version).toBe(3)
    expect(await failure(registry.getVersion('m', 2))).toMatchObject({
      code: 'NOT_FOUND',
      message: 'model "m" has no version 2',
    })
  })

  it('moves aliases and keeps the full history of every move', async () => {
    let clock = 1000
    const { registry } = await open({ now: () => clock++ })
    for (let i = 0; i < 3; i++) await registry.registerVersion('fraud', { onnx: onnx(i) })
    expect(await registry.setAlias('fraud', 'champion', 1, { actor: 'alice' })).toMatchObject({
      fromVersion: null,
      toVersion: 1,
    })
    expect(await registry.setAlias('fraud', 'champion', 1)).toBeNull()
    await registry.setAlias('fraud', 'challenger', 2, { actor: 'bob' })
    await registry.setAlias('fraud', 'champion', 3, { actor: 'carol', reason: 'better AUC' })
    await registry.deleteAlias('fraud', 'challenger', { actor: 'bob' })

    expect((await registry.getVersionByAlias('fraud', 'champion')).version).toBe(3)
    expect((await registry.resolve('fraud@champion')).version).toBe(3)
    expect((await registry.resolve('fraud/2')).version).toBe(2)
    expect((await registry.resolve('fraud')).version).toBe(3)
    expect((await registry.getVersion('fraud', 3)).aliases).toEqual(['champion'])
    expect((await registry.getModel('fraud')).aliases).toEqual({ champion: 3 })

    const all = await registry.aliasHistory('fraud')
    expect(all.map((e) => [e.alias, e.fromVersion, e.toVersion, e.actor])).toEqual([
      ['champion', null, 1, 'alice'],
      ['challenger', null, 2, 'bob'],
      ['champion', 1, 3, 'carol'],
      ['challenger', 2, null, 'bob'],
    ])
    for (let i = 1; i < all.length; i++) {
      expect((all[i] as { id: number }).id).toBeGreaterThan((all[i - 1] as { id: number }).id)
      expect((all[i] as { at: number }).at).toBeGreaterThan((all[i - 1] as { at: number }).at)
    }
    const champion = await registry.aliasHistory('fraud', { alias: 'champion' })
    expect(champion.map((e) => e.reason)).toEqual([null, 'better AUC'])

    expect(await failure(registry.getVersionByAlias('fraud', 'challenger'))).toMatchObject({
      code: 'NOT_FOUND',
    })
    expect(await failure(registry.setAlias('fraud', 'v2', 1))).toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect(await failure(registry.setAlias('fraud', 'latest', 1))).toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect(await failure(registry.setAlias('fraud', 'champion', 9))).toMatchObject({ code: 'NOT_FOUND' })
    expect(await failure(registry.deleteAlias('fraud', 'nope'))).toMatchObject({ code: 'NOT_FOUND' })
  })

  it('moves MLflow stages and renames a model with its versions, files, aliases, history and tags', async () => {
    let clock = 1000
    const { registry } = await open({ now: () => clock++ })
    for (let i = 0; i < 3; i++)
      await registry.registerVersion('churn', { onnx: onnx(i), tags: { i: String(i) } })
    await registry.setModelTag('churn', 'team', 'ml')
    await registry.setAlias('churn', 'champion', 2, { reason: 'best' })
    await registry.transitionStage('churn', 1, 'production')
    await registry.transitionStage('churn', 2, 'Production', { archiveExisting: true })
    expect((await registry.getVersion('churn', 1)).stage).toBe('Archived')
    expect((await registry.latestVersionsByStage('churn')).map((v) => [v.version, v.stage])).toEqual([
      [1, 'Archived'],
      [2, 'Production'],
      [3, 'None'],
    ])
    expect(await failure(registry.transitionStage('churn', 1, 'Live'))).toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    expect(await failure(registry.transitionStage('churn', 9, 'Staging'))).toMatchObject({
      code: 'NOT_FOUND',
    })

    const before = await registry.readFile('churn', 2)
    const renamed = await registry.renameModel('churn', 'retention')
    expect(renamed).toMatchObject({
      name: 'retention',
      tags: { team: 'ml' },
      aliases: { champion: 2 },
      latestVersion: 3,
    })
    const v2 = await registry.getVersion('retention', 2)
    expect(v2).toMatchObject({ stage: 'Production', tags: { i: '1' }, aliases: ['champion'] })
    expect(await registry.readFile('retention', 2)).toEqual(before)
    expect((await registry.aliasHistory('retention')).map((e) => e.reason)).toEqual(['best'])
    expect(await failure(registry.getModel('churn'))).toMatchObject({ code: 'NOT_FOUND' })
    // Numbers continue after the rename.
    expect((await registry.registerVersion('retention', { onnx: onnx(9) })).version).toBe(4)
    await registry.createModel('other')
    expect(await failure(registry.renameModel('retention', 'other'))).toMatchObject({
      code: 'ALREADY_EXISTS',
    })
    expect(await failure(registry.renameModel('nobody', 'x'))).toMatchObject({ code: 'NOT_FOUND' })
  })

  it('serializes concurrent alias moves so each event starts where the previous one ended', async () => {
    const { registry } = await open()
    for (let i = 0; i < 4; i++) await registry.registerVersion('busy', { onnx: onnx(i) })
    await Promise.all([1, 2, 3, 4, 1, 2, 3, 4].map((v) => registry.setAlias('busy', 'champion', v)))
    const history = await registry.aliasHistory('busy', { alias: 'champion' })
    expect(history[0]?.fromVersion).toBeNull()
    for (let i = 1; i < history.length; i++) expect(history[i]?.fromVersion).toBe(history[i - 1]?.toVersion)
    expect((await registry.getVersionByAlias('busy', 'champion')).version).toBe(history.at(-1)?.toVersion)
  })

  it('creates, updates, tags and deletes registered models with MLflow-style errors', async () => {
    const { registry, blobs } = await open()
    const created = await registry.createModel('churn', { description: 'd', tags: { a: '1' } })
    expect(created).toMatchObject({
      name: 'churn',
      description: 'd',
      tags: { a: '1' },
      aliases: {},
      latestVersion: null,
    })
    expect(await failure(registry.createModel('churn'))).toMatchObject({ code: 'ALREADY_EXISTS' })
    expect(await failure(registry.createModel('bad/name'))).toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect(await failure(registry.getModel('nope'))).toMatchObject({
      code: 'NOT_FOUND',
      message: 'registered model "nope" does not exist',
    })
    expect(
      await failure(
        registry.registerVersion('nope', { flavor: 'external', source: 'x', createModel: false }),
      ),
    ).toMatchObject({
      code: 'NOT_FOUND',
    })
    await registry.setModelTag('churn', 'a', '2')
    await registry.setModelTag('churn', 'b', 'x')
    await registry.deleteModelTag('churn', 'b')
    expect((await registry.updateModel('churn', { description: 'new' })).description).toBe('new')
    expect((await registry.getModel('churn')).tags).toEqual({ a: '2' })
    const v = await registry.registerVersion('churn', {
      files: [{ path: 'model.json', bytes: new TextEncoder().encode('{}') }],
    })
    expect(v).toMatchObject({ flavor: 'js', signature: null, status: 'READY' })
    await registry.setVersionTag('churn', 1, 'k', 'v')
    expect((await registry.updateVersion('churn', 1, { description: 'js model' })).description).toBe(
      'js model',
    )
    expect((await registry.getVersion('churn', 1)).tags).toEqual({ k: 'v' })
    await registry.deleteVersionTag('churn', 1, 'k')
    expect((await registry.getVersion('churn', 1)).tags).toEqual({})
    await registry.setAlias('churn', 'champion', 1)
    await registry.deleteModel('churn')
    expect(await failure(registry.getModel('churn'))).toMatchObject({ code: 'NOT_FOUND' })
    expect(await blobs.stat('models/churn/1/model.json')).toBeUndefined()
    // The name is free again and numbering restarts.
    expect((await registry.registerVersion('churn', { flavor: 'external', source: 'x' })).version).toBe(1)
    expect(await registry.aliasHistory('churn')).toEqual([])
  })

  it('searches models and versions by name, run id, tags and source, with ordering and paging', async () => {
    const { registry } = await open()
    await registry.createModel('Fraud-A', { tags: { team: 'risk' } })
    await registry.createModel('fraud-b', { tags: { team: 'growth' } })
    await registry.createModel('churn', { tags: { team: 'risk' } })
    await registry.registerVersion('Fraud-A', {
      flavor: 'external',
      source: 's3://x/a1',
      runId: 'r1',
      tags: { stage: 'dev' },
    })
    await registry.registerVersion('Fraud-A', {
      flavor: 'external',
      source: 's3://x/a2',
      runId: 'r2',
      tags: { stage: 'prod' },
    })
    await registry.registerVersion('fraud-b', { flavor: 'external', source: 'gs://y/b1', runId: 'r1' })
    const names = async (filter: string) => (await registry.searchModels({ filter })).items.map((m) => m.name)
    expect(await names('')).toEqual(['Fraud-A', 'churn', 'fraud-b'])
    expect(await names("name LIKE 'fraud%'")).toEqual(['fraud-b'])
    expect(await names("name ILIKE 'fraud%'")).toEqual(['Fraud-A', 'fraud-b'])
    expect(await names("name LIKE 'Fraud_A'")).toEqual(['Fraud-A'])
    expect(await names("tags.team = 'risk'")).toEqual(['Fraud-A', 'churn'])
    expect(await names("tags.team = 'risk' AND name != 'churn'")).toEqual(['Fraud-A'])
    expect(await names("tags.`team` LIKE 'gr%'")).toEqual(['fraud-b'])

    const versions = async (filter: string, orderBy?: string[]) =>
      (await registry.searchVersions({ filter, ...(orderBy ? { orderBy } : {}) })).items.map(
        (v) => `${v.name}/${v.version}`,
      )
    expect(await versions("run_id = 'r1'")).toEqual(['Fraud-A/1', 'fraud-b/1'])
    expect(await versions("name = 'Fraud-A'")).toEqual(['Fraud-A/2', 'Fraud-A/1'])
    expect(await versions("name = 'Fraud-A'", ['version_number ASC'])).toEqual(['Fraud-A/1', 'Fraud-A/2'])
    expect(await versions("run_id IN ('r2', 'zz')")).toEqual(['Fraud-A/2'])
    expect(await versions("source_path LIKE 's3://%'")).toEqual(['Fraud-A/2', 'Fraud-A/1'])
    expect(await versions("tags.stage = 'prod'")).toEqual(['Fraud-A/2'])
    expect(await versions('version_number > 1')).toEqual(['Fraud-A/2'])

    const first = await registry.searchModels({ maxResults: 2 })
    expect(first.items.map((m) => m.name)).toEqual(['Fraud-A', 'churn'])
    expect(first.nextPageToken).not.toBeNull()
    const second = await registry.searchModels({ maxResults: 2, pageToken: first.nextPageToken ?? '' })
    expect(second.items.map((m) => m.name)).toEqual(['fraud-b'])
    expect(second.nextPageToken).toBeNull()
    expect(await failure(registry.searchModels({ filter: 'name = ' }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    expect(await failure(registry.searchModels({ filter: "color = 'red'" }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    expect(await failure(registry.searchModels({ pageToken: 'garbage' }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
  })

  it('marks a version FAILED_REGISTRATION when its files cannot be stored', async () => {
    const { metadata, blobs } = await open()
    const failing = Object.assign(Object.create(blobs) as MemoryBlobStore, {
      put: async () => {
        throw new Error('disk full')
      },
    })
    const registry = new ModelRegistry(testServiceContext(metadata, { blobs: failing }))
    const err = await failure(registry.registerVersion('m', { onnx: onnx() }))
    expect(err).toMatchObject({ code: 'UNAVAILABLE' })
    expect(err.message).toContain('disk full')
    const v = await registry.getVersion('m', 1)
    expect(v.status).toBe('FAILED_REGISTRATION')
    expect(v.statusMessage).toContain('disk full')
    expect(await failure(registry.setAlias('m', 'champion', 1))).toMatchObject({
      code: 'FAILED_PRECONDITION',
    })
  })
})
