import type { Clock } from '../core/clock.js'
import type { Principal } from '../core/principal.js'
import type { Tracing } from '../core/tracing.js'
import type { ServiceContext } from '../data/index.js'
import { LineageGraphStore } from '../data/lineage/index.js'
import type { MetadataDatabase } from '../db/index.js'
import type { BlobStore } from '../ports/index.js'

/** The parts of a {@link ServiceContext}; see {@link createServiceContext}. */
export interface ServiceContextParts {
  metadata: MetadataDatabase
  blobs: BlobStore
  principal: Principal
  clock: Clock
  tracing: Tracing
  /** A lineage graph to share with other contexts over the same metadata (default: a new one over `metadata`). */
  lineage?: LineageGraphStore
}

/**
 * Builds a service context: the one place besides `openStrata` that does (embedders and test
 * helpers call it; domain code receives a context and never builds one).
 *
 * @example
 * const ctx = createServiceContext({ metadata, blobs, principal: { id: 'ci' }, clock: systemClock, tracing: silentTracing })
 * const tracking = new TrackingStore(ctx)
 */
export function createServiceContext(parts: ServiceContextParts): ServiceContext {
  return {
    metadata: parts.metadata,
    blobs: parts.blobs,
    lineage: parts.lineage ?? new LineageGraphStore(parts.metadata, parts.clock),
    principal: parts.principal,
    clock: parts.clock,
    tracing: parts.tracing,
  }
}
