import { describe, expect, it } from 'vitest'
import { feastOnlineRequestSchema } from '../../core/rest/index.js'
import { checkFeastOnlineRequest } from './feast-online-request.js'

/** What the hand-written check answers: the value, or the error's message. */
function check(body: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: checkFeastOnlineRequest(body) }
  } catch (err) {
    expect((err as { code?: string }).code).toBe('INVALID_ARGUMENT')
    return { ok: false, message: (err as Error).message }
  }
}

const BODIES: unknown[] = [
  { features: ['v:f'], entities: { driver_id: [1001] } },
  { features: ['v:f', 'v:g'], entities: { driver_id: [1, 2], city: ['a', null] }, full_feature_names: true },
  { feature_service: 'svc', entities: { id: [] } },
  { feature_service: null, features: ['v:f'], entities: { id: [{ nested: [1, [2]] }] } },
  { features: [], entities: {} },
  { entities: { id: [1] }, request_context: { val: [0.5] }, include_feature_view_version_metadata: false },
  { entities: { id: [1] }, unknown_key: { deep: [1, 2] }, features: ['v:f'] },
  // refused
  undefined,
  null,
  [],
  'text',
  {},
  { features: ['v:f'] },
  { features: ['v:f'], entities: [] },
  { features: ['v:f'], entities: { id: 1001 } },
  { features: ['v:f'], entities: { id: null } },
  { features: 'v:f', entities: { id: [1] } },
  { features: [''], entities: { id: [1] } },
  { features: ['v:f', 7], entities: { id: [1] } },
  { features: null, entities: { id: [1] } },
  { feature_service: '', entities: { id: [1] } },
  { feature_service: 3, entities: { id: [1] } },
  { features: ['v:f'], entities: { id: [1] }, full_feature_names: 'yes' },
  { features: ['v:f'], entities: { id: [1] }, request_context: [] },
  { features: ['v:f'], entities: { id: [1] }, request_context: { x: 'a' } },
  { features: ['v:f'], entities: { id: [1] }, include_feature_view_version_metadata: 1 },
]

describe('checkFeastOnlineRequest', () => {
  it('accepts exactly what feastOnlineRequestSchema accepts, and returns what it returns', () => {
    for (const body of BODIES) {
      const expected = feastOnlineRequestSchema.safeParse(body)
      const got = check(body)
      expect(got.ok, JSON.stringify(body) ?? 'undefined').toBe(expected.success)
      if (got.ok && expected.success) expect(got.value).toEqual(expected.data)
    }
  })

  it('names the field and the offending value in its errors', () => {
    expect(check({ features: ['v:f'], entities: { driver_id: 1001 } })).toEqual({
      ok: false,
      message: expect.stringMatching(
        /"entities\.driver_id" is 1001, expected an array of values, one per row/,
      ),
    })
    expect(check({ features: ['v:f', 7], entities: { id: [1] } })).toMatchObject({
      message: expect.stringMatching(/"features\.1" is 7, expected a non-empty "view:feature" name/),
    })
    expect(check({ features: ['v:f'] })).toMatchObject({
      message: expect.stringMatching(/"entities" is missing/),
    })
    expect(
      check({ features: ['v:f'], entities: { id: [1] }, full_feature_names: 'x'.repeat(200) }),
    ).toMatchObject({
      message: expect.stringMatching(/"full_feature_names" is "x{10,}\.\.\., expected true or false/),
    })
  })
})
