import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/api/index.js'
import { openStrata, type Strata } from '../../src/platform/index.js'
import { type DriverFeatureStore, openDriverFeatureStore } from '../support/driver-feature-store.js'

/**
 * Names from requests are looked up as own properties: `constructor`, `__proto__`, `toString`
 * are unknown attributes and features (4xx), never a function found on Object.prototype (500,
 * or a feature reported PRESENT).
 */
const KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']

let dir: string
let strata: Strata
let features: DriverFeatureStore
let app: FastifyInstance

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-proto-'))
  strata = await openStrata({ cwd: dir, config: { blobs: 'memory:' }, env: {} })
  features = await openDriverFeatureStore()
  app = await createServerApp({ ...strata, features: async () => features.store }, { version: '0.0.0' })
})
afterAll(async () => {
  await app.close()
  await features.close()
  await strata.close()
  rmSync(dir, { recursive: true, force: true })
})

const json = (method: 'GET' | 'POST', url: string, body?: unknown) =>
  app.inject({
    method,
    url,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  })

describe('prototype keys in every search', () => {
  it('answers a filter or order-by on attributes.<prototype key> with 400 on every search route', async () => {
    const failures: string[] = []
    for (const key of KEYS) {
      const filter = `attributes.${key} = 'x'`
      const order = `attributes.${key} DESC`
      const q = (f: string) => encodeURIComponent(f)
      const calls: [string, () => ReturnType<typeof json>][] = [
        ['GET /api/experiments', () => json('GET', `/api/experiments?filter=${q(filter)}`)],
        ['GET /api/runs', () => json('GET', `/api/runs?filter=${q(filter)}`)],
        ['POST /api/runs/search', () => json('POST', '/api/runs/search', { filter })],
        ['POST /api/runs/search order', () => json('POST', '/api/runs/search', { orderBy: [order] })],
        ['GET /api/models', () => json('GET', `/api/models?filter=${q(filter)}`)],
        [
          'mlflow runs/search',
          () => json('POST', '/api/2.0/mlflow/runs/search', { experiment_ids: ['0'], filter }),
        ],
        [
          'mlflow runs/search order',
          () => json('POST', '/api/2.0/mlflow/runs/search', { experiment_ids: ['0'], order_by: [order] }),
        ],
        ['mlflow experiments/search', () => json('POST', '/api/2.0/mlflow/experiments/search', { filter })],
        [
          'mlflow logged-models/search',
          () =>
            json('POST', '/api/2.0/mlflow/logged-models/search', {
              experiment_ids: ['0'],
              filter: `attributes.${key} = 'x'`,
            }),
        ],
        [
          'mlflow registered-models/search',
          () =>
            json('GET', `/api/2.0/mlflow/registered-models/search?filter=${q(`attributes.${key} = 'x'`)}`),
        ],
        [
          'mlflow model-versions/search',
          () => json('GET', `/api/2.0/mlflow/model-versions/search?filter=${q(`attributes.${key} = 'x'`)}`),
        ],
      ]
      for (const [name, call] of calls) {
        const res = await call()
        if (res.statusCode !== 400)
          failures.push(`${name} ${key}: ${res.statusCode} ${res.body.slice(0, 120)}`)
      }
    }
    expect(failures).toEqual([])
  })
})

describe('prototype keys in feature lookups', () => {
  it('answers view:<prototype key> as an unknown feature, never PRESENT', async () => {
    for (const key of KEYS) {
      const res = await json('POST', '/features/online', {
        features: [`driver_hourly_stats:${key}`],
        entities: { driver_id: [1001] },
      })
      expect(res.statusCode, `${key}: ${res.body}`).toBe(404)
      expect(res.body).not.toContain('PRESENT')
      expect(res.body).toContain(key)
    }
  })
})
