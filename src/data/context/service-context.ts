import type { Clock } from '../../core/clock.js'
import type { Principal } from '../../core/principal.js'
import type { Tracing } from '../../core/tracing.js'
import type { MetadataDatabase } from '../../db/index.js'
import type { BlobStore } from '../../ports/index.js'
import type { LineageGraphStore } from '../lineage/index.js'

/**
 * What every domain service receives: the kernel shared by tracking, the registry, versioned
 * data and (next) the feature store, pipelines, serving and monitoring. Only `platform/` builds
 * one (`openStrata`, `createServiceContext`); a service requires it whole and never fills a
 * missing part with a default of its own.
 *
 * The type lives in `data/` because that is the lowest layer that sees every part: the
 * metadata database (`db/`), the blob store port (`ports/`) and the lineage graph (`data/`).
 *
 * @example
 * const tracking = new TrackingStore(await strata.context())
 */
export interface ServiceContext {
  /** The metadata database (Kysely handle and dialect) with every domain's migrations applied. */
  readonly metadata: MetadataDatabase
  /** Byte storage for dataset objects, artifacts and model files. */
  readonly blobs: BlobStore
  /** The provenance graph every service records into. */
  readonly lineage: LineageGraphStore
  /** Who acts: the author, user or actor recorded when a call names nobody. */
  readonly principal: Principal
  /** The time source of every recorded timestamp. */
  readonly clock: Clock
  /** Debug timing of phases (`STRATA_DEBUG`). */
  readonly tracing: Tracing
}
