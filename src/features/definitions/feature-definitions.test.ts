import { describe, expect, expectTypeOf, it } from 'vitest'
import { strataThrow } from '../../../test/support/strata-error.js'
import { entity } from './entity.js'
import { FeatureCatalog } from './feature-catalog.js'
import { featureService, type ValuesOf } from './feature-service.js'
import { parseDuration } from './feature-types.js'
import { featureView } from './feature-view.js'
import { onDemandFeature } from './on-demand-feature.js'
import { planRetrieval } from './retrieval-plan.js'
import { datasetSource, fileSource } from './sources/index.js'
import { withSource } from './sql.js'

const airport = entity({ name: 'airport', joinKeys: ['origin'] })
const source = fileSource({ path: 'x.parquet', timestamp: 'ts' })

describe('feature definitions', () => {
  it('validates names, types, keys and durations with messages that say what is valid', () => {
    expect(strataThrow(() => entity({ name: 'bad name', joinKeys: ['k'] })).message).toMatch(
      /letters, digits and "_"/,
    )
    expect(strataThrow(() => entity({ name: 'e', joinKeys: [] })).message).toMatch(/no join keys/)
    expect(
      strataThrow(() =>
        featureView({ name: 'v', entities: [airport], source, features: { x: 'double' as 'float' } }),
      ).message,
    ).toMatch(/type "double"; use int, float, string, bool or timestamp/)
    expect(
      strataThrow(() => featureView({ name: 'v', entities: [airport], source, features: { origin: 'int' } }))
        .message,
    ).toMatch(/name of a join key/)
    expect(
      strataThrow(() => featureView({ name: 'v', entities: [airport], source, features: {} })).message,
    ).toMatch(/declares no features/)
    expect(parseDuration('ttl', '7d')).toBe(604_800_000)
    expect(parseDuration('ttl', 90_000)).toBe(90_000)
    expect(strataThrow(() => parseDuration('ttl', '7 days' as '7d')).message).toMatch(
      /"15m", "24h", "7d" or "2w"/,
    )
    expect(datasetSource('flights@v2:raw/flights.parquet', { timestamp: 'date' })).toMatchObject({
      dataset: 'flights',
      ref: 'v2',
      path: 'raw/flights.parquet',
      format: 'parquet',
    })
  })

  it('types service results from the declared features', () => {
    const delays = featureView({
      name: 'delays',
      entities: [airport],
      source,
      features: { share: 'float', n: 'int', hub: 'bool' },
    })
    const label = onDemandFeature({
      name: 'label',
      type: 'string',
      inputs: { features: [delays.select('share')], request: { hour: 'int' } },
      fn: ({ share, hour }) => `${share ?? 0}@${hour ?? 0}`,
    })
    const service = featureService({ name: 's', features: [delays.select('share', 'hub'), label] })
    expectTypeOf<ValuesOf<typeof service>>().toEqualTypeOf<{
      share: number | null
      hub: boolean | null
      label: string | null
    }>()
    expect(delays.ref('share')).toBe('delays:share')
  })

  it('plans outputs in request order and rejects colliding names unless full names are asked for', () => {
    const a = featureView({ name: 'a', entities: [airport], source, features: { x: 'int', y: 'int' } })
    const b = featureView({ name: 'b', entities: [airport], source, features: { x: 'int' } })
    const catalog = FeatureCatalog.from({ a, b })
    expect(strataThrow(() => planRetrieval(catalog.itemsOf({ features: ['a:x', 'b:x'] }))).message).toMatch(
      /"b:x" and "a:x" would both be returned as "x"; request fullFeatureNames/,
    )
    const plan = planRetrieval(catalog.itemsOf({ features: ['b:x', 'a:*'] }), { fullFeatureNames: true })
    expect(plan.outputs.map((o) => o.name)).toEqual(['b__x', 'a__x', 'a__y'])
    expect(strataThrow(() => catalog.parseRef('a:nope')).message).toMatch(
      /has no feature "nope"; it has x, y/,
    )
    expect(strataThrow(() => catalog.view('c')).code).toBe('NOT_FOUND')
    const other = featureView({ name: 'a', entities: [airport], source, features: { z: 'int' } })
    expect(strataThrow(() => FeatureCatalog.from([a, other])).message).toMatch(
      /two different feature view definitions are named "a"/,
    )
  })

  it('merges a query with its own WITH clause into the source CTE', () => {
    expect(withSource('t', 'select * from source;')).toBe(
      'WITH source AS (SELECT * FROM t) select * from source',
    )
    expect(withSource('t', '  WITH x AS (select 1) select * from x, source')).toBe(
      'WITH source AS (SELECT * FROM t), x AS (select 1) select * from x, source',
    )
    expect(withSource('t', 'with recursive r(n) as (select 1) select * from r')).toBe(
      'WITH recursive source AS (SELECT * FROM t), r(n) as (select 1) select * from r',
    )
  })
})
