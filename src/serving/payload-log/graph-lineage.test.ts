import { expect, it } from 'vitest'
import { testServiceContext } from '../../../test/support/service-context.js'
import { lineageMigrations } from '../../data/lineage/index.js'
import { runMigrations } from '../../db/index.js'
import { describeMetadata } from '../../testing/metadata-fixture.js'
import { servingMigrations } from './payload-migrations.js'
import { PayloadStore } from './payload-store.js'
import type { PredictionEntry } from './payload-types.js'
import { isPredictionId, newPredictionId } from './prediction-id.js'

function node(id: string, at: number, model: string, version: number): PredictionEntry {
  return {
    id,
    at,
    endpoint: `g/${id.split('/')[1]}`,
    modelName: model,
    modelVersion: version,
    deploymentRevision: null,
    requestId: null,
    entityKey: null,
    inputs: { x: 1 },
    outputs: { y: 2 },
    latencyMs: 1,
    status: 'ok',
    error: null,
    featureViews: null,
  }
}

describeMetadata('inference graph predictions in the payload log', (openFresh) => {
  it('finds the nodes of a graph prediction by its id, in separate batches, and walks each to its own model version only', async () => {
    const metadata = await openFresh()
    await runMigrations(metadata, [...lineageMigrations, ...servingMigrations])
    const store = new PayloadStore(testServiceContext(metadata))
    const at = 1_700_000_000_000
    const id = newPredictionId(at)
    const other = newPredictionId(at)
    // the nodes land in two write batches; another request's node at the same time is not one of them
    await store.write([node(`${id}/scale`, at, 'scaler', 1), node(`${other}/scale`, at, 'scaler', 2)])
    await store.write([node(`${id}/predict`, at + 5, 'delay', 3)])
    expect(isPredictionId(`${id}/scale`)).toBe(true)
    expect(isPredictionId(`${id}/Bad Node`)).toBe(false)
    expect((await store.graphNodes(id)).map((r) => r.id)).toEqual([`${id}/predict`, `${id}/scale`])
    const lineage = await store.lineage(id)
    expect(lineage.root).toBe(`prediction:${id}`)
    const ids = lineage.nodes.map((n) => n.id)
    expect(ids).toEqual(
      expect.arrayContaining([
        `prediction:${id}/scale`,
        `prediction:${id}/predict`,
        'model-version:scaler/1',
        'model-version:delay/3',
      ]),
    )
    // scaler/2 shared the first write batch (another request's node) but made none of these
    expect(ids).not.toContain('model-version:scaler/2')
    // nor does a plain prediction's lineage show the other versions of its batch
    const plain = await store.lineage(`${other}/scale`)
    expect(plain.nodes.map((n) => n.id)).toContain('model-version:scaler/2')
    expect(plain.nodes.map((n) => n.id)).not.toContain('model-version:scaler/1')
    expect(lineage.edges).toEqual(
      expect.arrayContaining([
        { from: `prediction:${id}/predict`, to: `prediction:${id}`, activity: 'graph', at: at + 5 },
      ]),
    )
    const err = await store.get(id).then(
      () => undefined,
      (e: Error) => e,
    )
    expect(err?.message).toBe(
      `prediction "${id}" is an inference graph's: its nodes are logged as ${id}/predict, ${id}/scale`,
    )
    // a plain prediction has no nodes: its lineage is its own
    expect(await store.graphNodes(newPredictionId(at))).toHaveLength(0)
  })
})
