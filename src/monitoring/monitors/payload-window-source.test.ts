import { expect, it } from 'vitest'
import { testServiceContext } from '../../../test/support/service-context.js'
import { lineageMigrations } from '../../data/lineage/index.js'
import { runMigrations } from '../../db/index.js'
import { GROUND_TRUTH, PayloadStore, type PredictionEntry, servingMigrations } from '../../serving/index.js'
import { describeMetadata } from '../../testing/metadata-fixture.js'
import { PayloadWindowSource } from './payload-window-source.js'

const entry = (i: number, over: Partial<PredictionEntry> = {}): PredictionEntry => ({
  id: `p${String(i).padStart(4, '0')}`,
  at: 1000 + i,
  endpoint: 'delay',
  modelName: 'delay',
  modelVersion: 1,
  deploymentRevision: null,
  requestId: null,
  entityKey: null,
  inputs: { fare: 100 + i, carrier: i % 2 === 0 ? 'AA' : 'DL' },
  outputs: { p: i / 100 },
  latencyMs: 1,
  status: 'ok',
  error: null,
  featureViews: null,
  ...over,
})

describeMetadata('PayloadWindowSource', (openFresh) => {
  it('reads a window of logged predictions as columns: named values, batched tensors, other models and failures left out', async () => {
    const md = await openFresh()
    await runMigrations(md, [...lineageMigrations, ...servingMigrations])
    const store = new PayloadStore(testServiceContext(md))
    await store.write([
      ...Array.from({ length: 30 }, (_, i) => entry(i)),
      entry(30, { modelName: 'other', id: 'x1' }),
      entry(31, { status: 'error', outputs: null, error: 'boom', id: 'x2' }),
      entry(32, {
        id: 'b1',
        inputs: [
          { name: 'fare', datatype: 'FP64', shape: [2, 1], values: [7, 8] },
          { name: 'carrier', datatype: 'BYTES', shape: [2], values: ['UA', 'UA'] },
        ],
        outputs: null,
      }),
      entry(500),
    ])
    const source = new PayloadWindowSource({ kind: 'payload-log', endpoint: 'delay' }, (q) => store.query(q))
    const window = await source.read({
      start: 1000,
      end: 1100,
      model: 'delay',
      columns: ['fare', 'carrier', 'p', 'missing'],
    })
    expect(window.rows).toBe(32)
    expect(window.columns.fare?.slice(0, 3)).toEqual([100, 101, 102])
    expect(window.columns.fare?.slice(-2)).toEqual([7, 8])
    expect(window.columns.carrier?.slice(-3)).toEqual(['DL', 'UA', 'UA'])
    expect(window.columns.p?.slice(-3)).toEqual([0.29, null, null])
    expect(window.columns.missing?.every((v) => v === null)).toBe(true)
    expect(window.source).toMatchObject({ kind: 'payload-log', records: 31, endpoint: 'delay' })
  })

  it("splits a logged [n, k] matrix input into the columns the model version names, and leaves other versions' matrices whole", async () => {
    const md = await openFresh()
    await runMigrations(md, [...lineageMigrations, ...servingMigrations])
    const store = new PayloadStore(testServiceContext(md))
    const matrix = (id: string, version: number, values: number[]) =>
      entry(0, {
        id,
        modelVersion: version,
        inputs: [{ name: 'features', datatype: 'FP32', shape: [values.length / 2, 2], values }],
        outputs: null,
      })
    await store.write([
      matrix('m1', 1, [1, 10, 2, 20]),
      matrix('m2', 2, [Number.NaN, 30]),
      matrix('m3', 3, [4, 40]),
    ])
    const asked: string[] = []
    const source = new PayloadWindowSource(
      { kind: 'payload-log', endpoint: 'delay' },
      (q) => store.query(q),
      undefined,
      async (model, version) => {
        asked.push(`${model}/${version}`)
        return version === 3 ? ['fare', 'distance', 'extra'] : ['fare', 'distance']
      },
    )
    const window = await source.read({
      start: 1000,
      end: 1100,
      model: 'delay',
      columns: ['fare', 'distance'],
    })
    // versions 1 and 2 name two columns: split; version 3 names three for a 2-column matrix: not split
    // a NaN (stored by the payload log as "NaN") comes back as NaN: a missing value, not a type violation
    expect(window.columns.fare).toEqual([1, 2, Number.NaN, null])
    expect(window.columns.distance).toEqual([10, 20, 30, null])
    expect(window.rows).toBe(4)
    expect(asked.sort()).toEqual(['delay/1', 'delay/2', 'delay/3'])
  })

  it('joins ingested labels as @label beside a model output named label, picks probabilities[1], and refuses a logged @label', async () => {
    const md = await openFresh()
    await runMigrations(md, [...lineageMigrations, ...servingMigrations])
    const store = new PayloadStore(testServiceContext(md))
    const classifier = (i: number, over: Partial<PredictionEntry> = {}) =>
      entry(i, {
        modelVersion: 1 + (i % 2),
        // the model's own output `label` (its predicted class) is the opposite of the truth below
        outputs: {
          label: { datatype: 'INT64', shape: [1], data: [i % 3 === 0 ? 0 : 1] },
          probabilities: { datatype: 'FP32', shape: [1, 2], data: [1 - i / 10, i / 10] },
        },
        ...over,
      })
    await store.write([
      ...Array.from({ length: 4 }, (_, i) => classifier(i)),
      classifier(4, {
        outputs: { probabilities: { datatype: 'FP32', shape: [2, 2], data: [0.9, 0.1, 0.2, 0.8] } },
      }),
    ])
    const truth = new Map<string, unknown>([
      ['p0000', 1],
      ['p0001', 0],
      ['p0003', 1],
      ['p0004', [0, 1]],
    ])
    const lookups: string[][] = []
    const source = new PayloadWindowSource(
      { kind: 'payload-log' },
      (q) => store.query(q),
      async (ids) => {
        lookups.push([...ids])
        return new Map([...truth].filter(([id]) => ids.includes(id)))
      },
    )
    const window = await source.read({
      start: 1000,
      end: 1100,
      model: 'delay',
      columns: ['label', 'probabilities[1]', GROUND_TRUTH],
    })
    expect(window.rows).toBe(6)
    expect(window.columns.label).toEqual([0, 1, 1, 0, null, null])
    expect(window.columns[GROUND_TRUTH]).toEqual([1, 0, null, 1, 0, 1])
    expect(window.columns['probabilities[1]']?.map((v) => Number((v as number).toFixed(3)))).toEqual([
      0, 0.1, 0.2, 0.3, 0.1, 0.8,
    ])
    expect(window.versions).toEqual([1, 2, 1, 2, 1, 1])
    expect(lookups).toHaveLength(1)

    // one version only; without @label asked for, no lookup at all
    const v2 = await source.read({
      start: 1000,
      end: 1100,
      model: 'delay',
      columns: ['label'],
      modelVersion: 2,
    })
    expect(v2.columns.label).toEqual([1, 0])
    expect(lookups).toHaveLength(1)

    await store.write([classifier(50, { id: 'bad', outputs: { [GROUND_TRUTH]: 1 } })])
    await expect(
      source.read({ start: 1000, end: 1100, model: 'delay', columns: [GROUND_TRUTH] }),
    ).rejects.toThrow(
      /prediction bad .* logged a value named "@label", the name reserved for ingested ground truth/,
    )
    await store.write([
      classifier(60, { id: 'amb', outputs: { 'probabilities[1]': 1, probabilities: [0, 1] } }),
    ])
    await expect(
      source.read({ start: 1055, end: 1100, model: 'delay', columns: ['probabilities[1]'] }),
    ).rejects.toThrow(/column "probabilities\[1\]" is ambiguous for model delay v1/)
  })
})
