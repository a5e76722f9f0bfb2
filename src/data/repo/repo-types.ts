import type { ObjectId } from '../objects/index.js'
import type { DeclaredSchema, KeyDiff, TableSchema, ValidationIssue } from './tabular-hooks.js'

/** A named, versioned collection of files. */
export interface Dataset {
  name: string
  description: string
  /** The schema its tabular files must satisfy, when declared. */
  schema: DeclaredSchema | null
  /** The branch used when no ref is given (`main`). */
  defaultBranch: string
  createdAt: number
}

/**
 * A change to apply in a commit. Paths are `/`-separated and relative, without `.`/`..`
 * segments; `''` is the dataset root.
 * - `source`: a local file, or a local directory whose files go under `path`.
 * - `bytes` / `stream`: the content of one file.
 * - `delete`: a file, or every file under a directory prefix.
 */
export type FileChange =
  | { path: string; source: string }
  | { path: string; bytes: Uint8Array }
  | { path: string; stream: AsyncIterable<Uint8Array> }
  | { path: string; delete: true }

/** What a commit did relative to its first parent, and what its snapshot holds. */
export interface CommitStats {
  files: number
  bytes: number
  added: number
  changed: number
  removed: number
}

/** An immutable snapshot of a dataset with its history. */
export interface Commit {
  /** SHA-256 over the canonical JSON of dataset, tree, parents, author, message, time and metadata. */
  id: ObjectId
  dataset: string
  /** Root tree id. */
  tree: ObjectId
  /** First parent is the branch's previous head; a merge has two. */
  parents: ObjectId[]
  author: string
  message: string
  /** Epoch milliseconds. */
  createdAt: number
  metadata: Record<string, string>
  stats: CommitStats
}

/** One file of a snapshot. */
export interface FileEntry {
  path: string
  /** Content id: SHA-256 of the bytes, or of the chunk manifest when `chunks` is set. */
  object: ObjectId
  size: number
  contentType: string
  /** Number of content-defined chunks for a large file; absent for a file stored whole. */
  chunks?: number
  /** Inferred schema of a tabular file (CSV, TSV, Parquet, JSON, JSON Lines). */
  table?: TableSchema
}

/** A branch or tag. */
export interface Ref {
  name: string
  kind: 'branch' | 'tag'
  /** `null` for a branch without commits yet. */
  commit: ObjectId | null
  updatedAt: number
}

/** Progress of a long operation. */
export interface Progress {
  /** `scan`, `validate`, `store`, `tree`, `commit`, `export`. */
  phase: string
  done: number
  total: number
  bytes: number
}

/** Input of {@link DataRepository.commit}. */
export interface CommitInput {
  /** Branch to commit to; default the dataset's default branch (`main`). */
  branch?: string
  message: string
  /** Default: the acting principal of the repository's service context. */
  author?: string
  changes: FileChange[]
  metadata?: Record<string, string>
  onProgress?: (p: Progress) => void
  /** Allow a commit whose tree equals its parent's (default false: rejected as FAILED_PRECONDITION). */
  allowEmpty?: boolean
  /**
   * Commit only on this head of the branch (`null`: a branch without commits): when the branch
   * is elsewhere — before the commit starts, or moved by another writer while it was written —
   * it fails `CONFLICT` instead of re-applying itself onto the new head. For writers that must
   * not both succeed from the same state (e.g. two servers archiving the same predictions).
   */
  expectedHead?: string | null
}

/** A file present in only one side of a diff, or on both with different content. */
export interface DiffFile {
  path: string
  size: number
  object: ObjectId
  table?: TableSchema
}

/** How a tabular file changed between two commits. */
export interface TableChange {
  rowsBefore: number
  rowsAfter: number
  columnsAdded: string[]
  columnsRemoved: string[]
  /** Columns whose type changed: `{ name, before, after }`. */
  typesChanged: { name: string; before: string; after: string }[]
  /** Row-level summary by key (added/removed/changed/unchanged with samples), when a key was given. */
  byKey?: KeyDiff
}

/** A changed path: its before and after versions. */
export interface DiffChange {
  path: string
  before: DiffFile
  after: DiffFile
  table?: TableChange
}

/** The difference between two commits. */
export interface DatasetDiff {
  dataset: string
  from: ObjectId | null
  to: ObjectId
  added: DiffFile[]
  removed: DiffFile[]
  changed: DiffChange[]
  summary: { added: number; removed: number; changed: number; bytesAdded: number; bytesRemoved: number }
}

/** One problem fsck found. */
export interface FsckProblem {
  kind: 'ref' | 'commit' | 'tree' | 'object' | 'manifest'
  /** The dataset, ref, commit or object concerned. */
  subject: string
  message: string
}

/** What `fsck` checked and found. */
export interface FsckReport {
  ok: boolean
  datasets: number
  refs: number
  commits: number
  trees: number
  /** Distinct file objects verified. */
  objects: number
  /** Bytes re-hashed. */
  bytesVerified: number
  problems: FsckProblem[]
  /** Commit leases whose holder stopped without cleaning up (killed commits); harmless. */
  staleLeases: number
}

/** What `gc` found and did. */
export interface GcReport {
  dryRun: boolean
  /** Data-layer blobs listed. */
  scanned: number
  reachable: number
  /** Unreachable blobs old enough to remove (removed unless `dryRun`). */
  unreachable: number
  unreachableBytes: number
  /** Unreachable blobs younger than the grace period, kept. */
  young: number
  deleted: number
  /** Stale commit leases cleared. */
  leasesCleared: number
}

export type { DeclaredSchema, KeyDiff, TableSchema, ValidationIssue }
