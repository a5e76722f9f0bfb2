import type { DataRepository, ServiceContext } from '../data/index.js'
import type { TableEngine } from '../ports/index.js'
import type { ModelRegistry } from '../registry/index.js'
import { ReferenceProfiles } from './reference/reference-store.js'

/** What the monitoring service is built on (filled by `platform/`). */
export interface MonitoringDependencies {
  registry: ModelRegistry
  /** The offline table engine (DuckDB) that profiles reference tables. */
  engine: TableEngine
  /** The versioned data repository, opened on first use (references from dataset commits). */
  data: () => Promise<DataRepository>
}

/**
 * The monitoring domain of one project: reference profiles of model versions (and, built on
 * them, drift and data-quality checks of windows). Built only by `platform/` (`strata.monitoring()`).
 *
 * @example
 * const monitoring = await strata.monitoring()
 * const ref = await monitoring.references.get('flight-delay', 3)
 */
export class MonitoringService {
  /** Reference profiles of model versions. */
  readonly references: ReferenceProfiles

  constructor(ctx: ServiceContext, deps: MonitoringDependencies) {
    this.references = new ReferenceProfiles(ctx, deps)
  }
}
