import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { linearOnnx } from '../../test/support/serving-models.js'
import { openStrata, type Strata } from '../platform/index.js'
import { createServerApp } from './server-app.js'

/** Fuzzes the OIP v2 infer route: random and mutated requests never get a 5xx or a non-protocol body. */
describe('OIP v2 infer route fuzz', () => {
  let dir: string
  let strata: Strata
  let app: FastifyInstance

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-oip-fuzz-'))
    strata = await openStrata({ cwd: dir, config: { project: 'oip-fuzz' } })
    await (await strata.registry()).registerVersion('linear', { onnx: linearOnnx() })
    await (await strata.serving()).deploy('linear', {
      batching: { maxBatchSize: 16, maxQueueDelayMicros: 200 },
    })
    app = await createServerApp(strata, { version: '0.0.0' })
  })
  afterAll(async () => {
    await app.close()
    await strata.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const scalar = fc.oneof(
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.string({ maxLength: 4 }),
    fc.constant(null),
    fc.constant(2 ** 60),
  )
  const data = fc.oneof(
    fc.array(scalar, { maxLength: 12 }),
    fc.array(fc.array(scalar, { maxLength: 4 }), { maxLength: 4 }),
    scalar,
  )
  const datatype = fc.oneof(
    fc.constantFrom('FP32', 'FP64', 'INT64', 'INT8', 'UINT8', 'BOOL', 'BYTES', 'FP16', 'BF16'),
    fc.string({ maxLength: 5 }),
  )
  const shape = fc.oneof(
    fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
    fc.array(fc.integer({ min: -3, max: 2 ** 33 }), { maxLength: 3 }),
    fc.constant([1, 3]),
  )
  const parameters = fc.option(
    fc.dictionary(
      fc.constantFrom('binary_data_size', 'binary_data', 'binary_data_output', 'x'),
      fc.oneof(fc.integer({ min: -2, max: 40 }), fc.boolean(), fc.string({ maxLength: 3 })),
    ),
    { nil: undefined },
  )
  const input = fc.record(
    {
      name: fc.oneof(fc.constant('features'), fc.string({ maxLength: 6 })),
      datatype,
      shape,
      data,
      parameters,
    },
    { requiredKeys: [] },
  )
  const request = fc.record(
    {
      id: fc.oneof(fc.string({ maxLength: 4 }), fc.integer()),
      inputs: fc.oneof(fc.array(input, { maxLength: 3 }), scalar),
      outputs: fc.array(
        fc.record({ name: fc.oneof(fc.constant('prediction'), fc.string({ maxLength: 4 })), parameters }),
        { maxLength: 2 },
      ),
      parameters,
    },
    { requiredKeys: [] },
  )

  it('answers every random request with 200 or a 4xx {"error": …}, never a 5xx', async () => {
    const statuses = new Set<number>()
    await fc.assert(
      fc.asyncProperty(
        request,
        fc.uint8Array({ maxLength: 48 }),
        fc.oneof(
          fc.constant('json' as const),
          fc.constant('exact' as const),
          fc.integer({ min: -1, max: 400 }),
        ),
        fc.boolean(),
        async (body, tail, headerLength, truncate) => {
          let json = JSON.stringify(body)
          if (truncate) json = json.slice(0, Math.max(0, json.length - 3))
          // plain JSON, a well-formed binary split (header + tail), or a random header length
          const payload =
            headerLength === 'json'
              ? Buffer.from(json)
              : Buffer.concat([Buffer.from(json), Buffer.from(tail)])
          const header = headerLength === 'exact' ? Buffer.byteLength(json) : headerLength
          const res = await app.inject({
            method: 'POST',
            url: '/v2/models/linear/infer',
            payload,
            headers: header === 'json' ? {} : { 'inference-header-content-length': String(header) },
          })
          expect(res.statusCode, res.body).toBeLessThan(500)
          statuses.add(res.statusCode)
          if (res.statusCode !== 200) {
            const answer = res.json()
            expect(Object.keys(answer)).toEqual(['error'])
            expect(typeof answer.error).toBe('string')
          }
        },
      ),
      { numRuns: 400 },
    )
    expect([...statuses].sort()).toContain(400)
  })
})
