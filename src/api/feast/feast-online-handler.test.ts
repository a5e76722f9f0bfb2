import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type DriverFeatureStore,
  openDriverFeatureStore,
} from '../../../test/support/driver-feature-store.js'
import { createFeastOnlineHandler, createFeastOnlineJsonHandler } from './feast-online-handler.js'

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p
  } catch (err) {
    return err as { code?: string; message: string }
  }
  throw new Error('expected a rejection')
}

describe('POST /features/online handler (Feast get-online-features shape, sqlite online store)', () => {
  let fixture: DriverFeatureStore
  let handle: ReturnType<typeof createFeastOnlineHandler>
  let handleText: ReturnType<typeof createFeastOnlineJsonHandler>

  beforeAll(async () => {
    fixture = await openDriverFeatureStore()
    const { store, now } = fixture
    const backend = {
      catalog: store.catalog,
      getOnlineFeatures: (request: Parameters<typeof store.getOnlineFeatures>[0]) =>
        store.getOnlineFeatures({ ...request, now }),
    }
    handle = createFeastOnlineHandler(backend)
    handleText = createFeastOnlineJsonHandler(backend)
  })
  afterAll(() => fixture.close())

  it('answers columnar results with join keys first, statuses and event timestamps', async () => {
    const response = await handle({
      features: ['driver_hourly_stats:conv_rate', 'driver_hourly_stats:last_seen'],
      entities: { driver_id: [1001, 1002, 1003] },
    })
    expect(response).toEqual({
      metadata: { feature_names: ['driver_id', 'conv_rate', 'last_seen'] },
      results: [
        {
          values: [1001, 1002, 1003],
          statuses: ['PRESENT', 'PRESENT', 'PRESENT'],
          event_timestamps: ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'],
        },
        {
          values: [0.7, null, null],
          statuses: ['PRESENT', 'OUTSIDE_MAX_AGE', 'NOT_FOUND'],
          event_timestamps: ['2024-01-01T23:00:00Z', '2023-12-01T00:00:00Z', '1970-01-01T00:00:00Z'],
        },
        {
          values: ['2024-01-01T22:59:00Z', null, null],
          statuses: ['PRESENT', 'OUTSIDE_MAX_AGE', 'NOT_FOUND'],
          event_timestamps: ['2024-01-01T23:00:00Z', '2023-12-01T00:00:00Z', '1970-01-01T00:00:00Z'],
        },
      ],
    })
  })

  it('serves a feature service with full feature names and request data inside entities', async () => {
    const response = await handle({
      feature_service: 'driver_activity',
      entities: { driver_id: [1001], val_to_add: [10] },
      full_feature_names: true,
    })
    expect(response.metadata.feature_names).toEqual([
      'driver_id',
      'driver_hourly_stats__conv_rate',
      'conv_rate_plus_val',
    ])
    expect(response.results.map((r) => r.values[0])).toEqual([1001, 0.7, 10.7])
    const viaContext = await handle({
      features: ['conv_rate_plus_val'],
      entities: { driver_id: [1001] },
      request_context: { val_to_add: [1] },
    })
    expect(viaContext.results.at(-1)?.values).toEqual([1.7])
  })

  it('answers JSON text with the same response on the fast path, and rejects malformed JSON', async () => {
    const body = { features: ['driver_hourly_stats:conv_rate'], entities: { driver_id: [1001] } }
    expect(JSON.parse(await handleText(JSON.stringify(body)))).toEqual(await handle(body))
    const err = await rejection(handleText('{"features": ['))
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toMatch(/not valid JSON/)
  })

  it('rejects malformed bodies and unknown features with INVALID_ARGUMENT or NOT_FOUND', async () => {
    expect((await rejection(handle({ entities: { driver_id: [1] } }))).code).toBe('INVALID_ARGUMENT')
    expect((await rejection(handle({ features: ['x:y'], entities: { driver_id: 5 } }))).message).toMatch(
      /entities/,
    )
    const unknown = await rejection(
      handle({ features: ['driver_hourly_stats:nope'], entities: { driver_id: [1] } }),
    )
    expect(unknown.code).toBe('NOT_FOUND')
    expect(unknown.message).toMatch(/no feature "nope"; it has conv_rate, acc_rate, last_seen/)
    const ragged = await rejection(
      handle({ feature_service: 'driver_activity', entities: { driver_id: [1, 2], val_to_add: [1] } }),
    )
    expect(ragged.message).toMatch(/different lengths/)
  })
})
