import type { Clock } from '../../core/clock.js'
import type { Principal } from '../../core/principal.js'
import type { BlobStore, TableEngine } from '../../ports/index.js'
import type { LineageGraphStore } from '../lineage/index.js'
import type { ObjectStore } from '../objects/index.js'
import type { FileStatCache } from './file-stat-cache.js'
import type { LeaseTable } from './lease-table.js'
import type { RepoDb } from './repo-db.js'
import type { TabularHooks } from './tabular-hooks.js'
import type { TreeStore } from './tree-store.js'

/** What the repository's operations share. */
export interface RepoContext {
  db: RepoDb
  blobs: BlobStore
  objects: ObjectStore
  trees: TreeStore
  leases: LeaseTable
  lineage: LineageGraphStore
  /** The author of a commit, merge or revert that names none. */
  principal: Principal
  /** Creation times of datasets, refs and commits. */
  clock: Clock
  engine: TableEngine
  cacheDir: string
  /** Object ids of unchanged local files from earlier commits (absent when disabled). */
  statCache: FileStatCache | undefined
  tabular(): Promise<TabularHooks>
}
