import { MemoryBlobStore } from '../../src/backends/memory/index.js'
import type { Clock } from '../../src/core/clock.js'
import type { Principal } from '../../src/core/principal.js'
import { silentTracing, type Tracing } from '../../src/core/tracing.js'
import type { ServiceContext } from '../../src/data/index.js'
import type { MetadataDatabase } from '../../src/db/index.js'
import { createServiceContext } from '../../src/platform/index.js'
import type { BlobStore } from '../../src/ports/index.js'

/** Options of {@link testServiceContext}; every part has a test default. */
export interface TestServiceContextOptions {
  /** Default: a fresh in-memory blob store. */
  blobs?: BlobStore
  /** Default: `tester`. */
  principal?: Principal
  /** A manual clock, e.g. `() => clock.t` (default the wall clock). */
  now?: () => number
  /** Default: silent. */
  tracing?: Tracing
}

/**
 * The service context a domain test builds its service on, through the platform's own
 * builder: tests construct services (`new TrackingStore(testServiceContext(md))`); code
 * outside `platform/` and tests may not.
 *
 * @example
 * const tracking = new TrackingStore(testServiceContext(metadata, { now: () => clock.t }))
 */
export function testServiceContext(
  metadata: MetadataDatabase,
  options: TestServiceContextOptions = {},
): ServiceContext {
  const now = options.now
  const clock: Clock = now === undefined ? { now: () => Date.now() } : { now }
  return createServiceContext({
    metadata,
    blobs: options.blobs ?? new MemoryBlobStore(),
    principal: options.principal ?? { id: 'tester' },
    clock,
    tracing: options.tracing ?? silentTracing,
  })
}
