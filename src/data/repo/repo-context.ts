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
  engine: TableEngine
  cacheDir: string
  /** Object ids of unchanged local files from earlier commits (absent when disabled). */
  statCache: FileStatCache | undefined
  tabular(): Promise<TabularHooks>
}
