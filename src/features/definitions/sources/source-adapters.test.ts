import { describe, expect, it } from 'vitest'
import { entity } from '../entity.js'
import { buildPlan } from '../feature-plan.js'
import { specOf } from '../feature-spec.js'
import { featureView } from '../feature-view.js'
import { datasetSource, describeSource, type FeatureSource, fileSource, postgresSource } from './index.js'

const airport = entity({ name: 'airport', joinKeys: ['origin'] })

describe('source adapters', () => {
  it('describe each kind exactly as registered views were hashed, without secrets', () => {
    // These descriptions are part of every registered view's data version: changing one
    // would make apply see every view of that kind as changed.
    expect(describeSource(datasetSource('flights@v1:a/b.csv', { timestamp: 'date' }))).toEqual({
      kind: 'dataset',
      dataset: 'flights',
      ref: 'v1',
      path: 'a/b.csv',
      timestamp: 'date',
      format: 'csv',
    })
    expect(describeSource(datasetSource({ dataset: 'flights', timestamp: 'date' }))).toEqual({
      kind: 'dataset',
      dataset: 'flights',
      ref: 'main',
      path: null,
      timestamp: 'date',
      format: 'parquet',
    })
    expect(describeSource(fileSource({ path: 'data/*.jsonl', timestamp: 'ts' }))).toEqual({
      kind: 'file',
      path: 'data/*.jsonl',
      timestamp: 'ts',
      format: 'json',
    })
    const postgres = postgresSource({ table: 'a.trips', timestamp: 't', url: 'postgres://u:secret@h/db' })
    expect(describeSource(postgres)).toEqual({
      kind: 'postgres',
      table: 'a.trips',
      timestamp: 't',
      urlEnv: 'STRATA_SOURCE_POSTGRES_URL',
    })
    const view = featureView({ name: 'v', entities: [airport], source: postgres, features: { x: 'int' } })
    expect(JSON.stringify(specOf(view).spec)).not.toMatch(/secret/)
  })

  it('show each kind in plan output, and an unknown registered kind as its JSON', () => {
    const views = [
      datasetSource('flights@main:f.parquet', { timestamp: 'date' }),
      fileSource({ path: 'x.parquet', timestamp: 'ts' }),
      postgresSource({ table: 'trips', timestamp: 't' }),
    ].map((source, i) =>
      specOf(featureView({ name: `v${i}`, entities: [airport], source, features: { x: 'int' } })),
    )
    const created = buildPlan(new Map(), views).changes.map((c) => c.changes[0])
    expect(created).toEqual([
      '1 feature from dataset flights@main:f.parquet, ttl none',
      '1 feature from file x.parquet, ttl none',
      '1 feature from postgres trips, ttl none',
    ])
    const [v0, v1] = views as [(typeof views)[0], (typeof views)[0]]
    const registered = new Map([
      [
        'feature-view/v0',
        {
          version: 1,
          specHash: 'old',
          spec: { ...v0.spec, source: { kind: 'parquet-in-s3', url: 's3://b/k' } },
        },
      ],
      ['feature-view/v1', { version: 1, specHash: 'old', spec: v0.spec }],
    ])
    const updated = buildPlan(registered, [v0, v1]).changes.map((c) => c.changes)
    expect(updated[0]).toContain(
      'source {"kind":"parquet-in-s3","url":"s3://b/k"} → dataset flights@main:f.parquet',
    )
    expect(updated[1]).toContain('source dataset flights@main:f.parquet → file x.parquet')
  })

  it('reject a source of unknown kind naming the factories, and a transform over Postgres', () => {
    const unknown = { kind: 'parquet-in-s3', timestamp: 'ts' } as unknown as FeatureSource
    expect(() =>
      featureView({ name: 'v', entities: [airport], source: unknown, features: { x: 'int' } }),
    ).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message:
          'feature view "v" has a source of unknown kind "parquet-in-s3"; use datasetSource(...), fileSource(...) or postgresSource(...)',
      }),
    )
    expect(() =>
      featureView({
        name: 'v',
        entities: [airport],
        source: postgresSource({ table: 'trips', timestamp: 't' }),
        transform: (row) => row,
        features: { x: 'int' },
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'UNSUPPORTED',
        message: expect.stringMatching(/runs in Postgres, so it takes sql, not a TypeScript transform/),
      }),
    )
  })
})
