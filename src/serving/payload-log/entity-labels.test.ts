import { expect, it } from 'vitest'
import { testServiceContext } from '../../../test/support/service-context.js'
import { strataRejection } from '../../../test/support/strata-error.js'
import { lineageMigrations } from '../../data/lineage/index.js'
import { runMigrations } from '../../db/index.js'
import { describeMetadata } from '../../testing/metadata-fixture.js'
import { resolveEntityLabels } from './entity-labels.js'
import { servingMigrations } from './payload-migrations.js'
import { PayloadStore } from './payload-store.js'
import type { PredictionEntry } from './payload-types.js'
import { newPredictionId } from './prediction-id.js'

const T0 = Date.UTC(2024, 3, 1)
const HOUR = 3_600_000

function entry(
  at: number,
  entityKey: Record<string, unknown>,
  status: 'ok' | 'error' = 'ok',
): PredictionEntry {
  return {
    id: newPredictionId(at),
    at,
    endpoint: 'delay',
    modelName: 'delay',
    modelVersion: 1,
    deploymentRevision: null,
    requestId: `req-${at}`,
    entityKey,
    inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], values: Float32Array.from([1]) }],
    outputs: [{ name: 'p', datatype: 'FP32', shape: [1, 1], values: Float32Array.from([0.5]) }],
    latencyMs: 1,
    status,
    error: status === 'ok' ? null : 'boom',
    featureViews: null,
  }
}

describeMetadata('labels keyed by entity + time', (openFresh) => {
  it('go to the latest successful prediction for the entity at or before their time; one unmatched fails them all', async () => {
    const md = await openFresh()
    await runMigrations(md, [...lineageMigrations, ...servingMigrations])
    const payloads = new PayloadStore(testServiceContext(md))
    const a1 = entry(T0, { flight: 'AA1' })
    const a2 = entry(T0 + HOUR, { flight: 'AA1' })
    const a3 = entry(T0 + 2 * HOUR, { flight: 'AA1' }, 'error')
    const b1 = entry(T0 + HOUR, { flight: 'BB2' })
    await payloads.write([a1, a2, a3, b1])
    const query = (q: Parameters<PayloadStore['query']>[0]) => payloads.query(q)
    expect(
      await resolveEntityLabels(
        [
          { entity: { flight: 'AA1' }, time: T0 + 30 * 60_000, label: 1 },
          { entity: { flight: 'AA1' }, time: new Date(T0 + 3 * HOUR).toISOString(), label: 0 },
          { entity: { flight: 'BB2' }, time: T0 + HOUR, label: 1 },
          { predictionId: a1.id, label: 1 },
        ],
        query,
      ),
    ).toEqual([
      { predictionId: a1.id, label: 1 },
      { predictionId: a2.id, label: 0 },
      { predictionId: b1.id, label: 1 },
      { predictionId: a1.id, label: 1 },
    ])
    const err = await strataRejection(
      resolveEntityLabels(
        [
          { entity: { flight: 'BB2' }, time: T0 + HOUR, label: 1 },
          { entity: { flight: 'BB2' }, time: T0 + HOUR - 1, label: 1 },
        ],
        query,
      ),
    )
    expect(err.code).toBe('NOT_FOUND')
    expect(err.message).toMatch(
      /1 label matches no prediction .* e\.g\. entity \{"flight":"BB2"\} at 2024-04-01T00:59:59\.999Z; nothing was ingested/,
    )
    // Older than the lookback: no match.
    expect(
      (
        await strataRejection(
          resolveEntityLabels([{ entity: { flight: 'AA1' }, time: T0 + 8 * 24 * HOUR, label: 1 }], query),
        )
      ).code,
    ).toBe('NOT_FOUND')
    expect(
      (
        await strataRejection(
          resolveEntityLabels([{ entity: { flight: 'AA1' }, time: 'yesterday', label: 1 }], query),
        )
      ).message,
    ).toMatch(/has time "yesterday"; expected epoch ms or an ISO time/)
  })
})
