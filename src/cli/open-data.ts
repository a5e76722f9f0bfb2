import { join } from 'node:path'
import { DataRepository, LineageGraphStore } from '../data/index.js'
import type { Strata } from '../platform/index.js'

/**
 * The project's versioned-dataset repository over its configured backends; spooled uploads and
 * local copies of remote or chunked files go to `<root>/.strata/cache`.
 */
export async function openDataRepository(strata: Strata): Promise<DataRepository> {
  const metadata = await strata.metadata()
  return new DataRepository({
    metadata,
    blobs: await strata.blobs(),
    engine: await strata.offline(),
    lineage: new LineageGraphStore(metadata),
    cacheDir: join(strata.config.root, '.strata', 'cache'),
  })
}
