import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempProject } from '../../../test/support/temp-project.js'
import { DuckDbTableEngine } from '../../backends/table/index.js'

const features = (extra: string) => `
import { entity, featureService, featureView, fileSource } from 'strata-ml'

export const driver = entity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int' })

export const driverStats = featureView({
  name: 'driver_stats',
  entities: [driver],
  source: fileSource({ path: 'stats.parquet', timestamp: 'ts' }),
  ttl: '1d',
  features: { trips: 'int'${extra} },
})

export const model = featureService({ name: 'model', features: [driverStats] })
`

type Listed = {
  definitions: {
    kind: string
    name: string
    version: number | null
    pending: string
    materialized?: { rows: number; watermark: number; sourceCommit: string | null } | null
  }[]
}

describe('strata features list', () => {
  it('shows each definition with its live version, what apply would change, and online freshness', async () => {
    await using project = await tempProject('strata-features-list-')
    expect((await project.cli('init', '--bare')).code).toBe(0)
    writeFileSync(
      join(project.dir, 'strata.config.ts'),
      `import { defineConfig } from 'strata-ml'\nexport default defineConfig({ project: 'list', features: 'features.ts' })\n`,
    )
    writeFileSync(join(project.dir, 'features.ts'), features(''))
    const engine = await DuckDbTableEngine.open({ threads: 1 })
    await engine.writeParquet(
      `SELECT * FROM (VALUES (1, TIMESTAMP '2024-01-01 10:00:00', 7), (2, TIMESTAMP '2024-01-02 11:00:00', 3)) t(driver_id, ts, trips)`,
      join(project.dir, 'stats.parquet'),
    )
    await engine.close()

    const before = (await project.cli('--json', 'features', 'list')).json<Listed>()
    expect(before.definitions.map((d) => [d.kind, d.name, d.version, d.pending])).toEqual([
      ['entity', 'driver', null, 'create'],
      ['feature-view', 'driver_stats', null, 'create'],
      ['feature-service', 'model', null, 'create'],
    ])
    expect(before.definitions[1]?.materialized).toBeNull()

    expect((await project.cli('features', 'apply')).code).toBe(0)
    expect((await project.cli('features', 'materialize')).code).toBe(0)
    const after = (await project.cli('--json', 'features', 'list')).json<Listed>()
    expect(after.definitions.map((d) => [d.name, d.version, d.pending])).toEqual([
      ['driver', 1, 'unchanged'],
      ['driver_stats', 1, 'unchanged'],
      ['model', 1, 'unchanged'],
    ])
    expect(after.definitions[1]?.materialized).toMatchObject({ rows: 2, sourceCommit: null })
    const human = await project.cli('features', 'list')
    expect(human.stdout).toMatch(/^kind\s+name\s+version\s+pending\s+online\s+summary$/m)
    expect(human.stdout).toMatch(
      /^feature-view\s+driver_stats\s+v1\s+2 rows at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+1 feature \(trips\), keys driver_id, ttl 1d$/m,
    )

    // A changed view is pending an update; its live version is still the materialized one.
    writeFileSync(join(project.dir, 'features.ts'), features(", extra: 'int'"))
    const changed = (await project.cli('--json', 'features', 'list')).json<Listed>()
    expect(changed.definitions[1]).toMatchObject({ name: 'driver_stats', version: 1, pending: 'update' })
    expect(changed.definitions[1]?.materialized?.rows).toBe(2)
  })
})
