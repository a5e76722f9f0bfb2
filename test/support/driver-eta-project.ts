import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { createServerApp } from '../../src/api/server-app.js'
import { openStrata, type Strata } from '../../src/platform/index.js'
import { linearRegressorToOnnx } from '../../src/registry/index.js'

/** The project clock of {@link openDriverEtaProject}: the day after the rows' timestamp. */
export const ETA_NOW = Date.parse('2024-01-10T00:00:00Z')

/** The project's `features.ts`: one view keyed by driver (7-day ttl) and the `dispatch` service over it. */
const FEATURES = `
import { entity, featureService, featureView, fileSource } from 'strata-ml'
export const driver = entity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int' })
export const stats = featureView({
  name: 'driver_stats',
  entities: [driver],
  source: fileSource({ path: 'trips.parquet', timestamp: 'ts' }),
  ttl: '7d',
  features: { trips: 'int', rating: 'float' },
})
export const dispatch = featureService({ name: 'dispatch', features: [stats] })
`

/**
 * An `eta` model: `intercept + trips + 2·rating + 3·<last>`, its inputs named for the `dispatch`
 * service's features and a request-time value (`last`, default `hour`).
 */
export function etaOnnx(intercept: number, last = 'hour'): Uint8Array {
  return linearRegressorToOnnx(
    { coefficients: [[1, 2, 3]], intercepts: [intercept] },
    { featureNames: ['trips', 'rating', last] },
  )
}

/** SQL rows `(driver_id, ts, trips, rating)`: driver d made d trips, rated 1 + d/10, on 2024-01-09. */
export function driverRows(drivers: readonly number[]): string[] {
  return drivers.map((d) => `(${d}, TIMESTAMP '2024-01-09 10:00:00', ${d}, ${1 + d / 10})`)
}

/** An open driver/ETA project with its HTTP app; `close` shuts both and removes the directory. */
export interface DriverEtaProject {
  dir: string
  strata: Strata
  app: FastifyInstance
  close(): Promise<void>
}

/**
 * A temp project for entity-row prediction tests: the driver feature view over `rows` (SQL
 * tuples `(driver_id, ts, trips, rating)`, see {@link driverRows}), applied and materialized with
 * the clock at {@link ETA_NOW}; then `setUp` registers models (and deployments or graphs) before
 * the server app is created.
 *
 * @example
 * const project = await openDriverEtaProject('enrich', driverRows([1, 2]), async (strata) => {
 *   await (await strata.registry()).registerVersion('eta', { onnx: etaOnnx(0.5), tags: { feature_service: 'dispatch' } })
 * })
 */
export async function openDriverEtaProject(
  project: string,
  rows: readonly string[],
  setUp: (strata: Strata) => Promise<void>,
): Promise<DriverEtaProject> {
  const dir = mkdtempSync(join(tmpdir(), `strata-${project}-`))
  let strata: Strata | undefined
  let app: FastifyInstance | undefined
  const close = async () => {
    await app?.close()
    await strata?.close()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    writeFileSync(join(dir, 'features.ts'), FEATURES)
    strata = await openStrata({
      cwd: dir,
      config: { project, features: 'features.ts' },
      clock: { now: () => ETA_NOW },
    })
    await (await strata.offline()).writeParquet(
      `SELECT * FROM (VALUES ${rows.join(', ')}) t(driver_id, ts, trips, rating)`,
      join(dir, 'trips.parquet'),
    )
    const features = await strata.features()
    await features.apply()
    await features.materialize()
    await setUp(strata)
    app = await createServerApp(strata, { version: 'test' })
    return { dir, strata, app, close }
  } catch (err) {
    await close()
    throw err
  }
}
