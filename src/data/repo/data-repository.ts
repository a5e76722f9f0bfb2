import { join } from 'node:path'
import { StrataError } from '../../core/errors.js'
import type { TableEngine } from '../../ports/index.js'
import type { ServiceContext } from '../context/index.js'
import { ObjectStore, type ObjectStoreConfig } from '../objects/index.js'
import { commitChanges } from './commit-changes.js'
import { CommitLoader, resolveRef } from './commit-history.js'
import { normalizeDataPath } from './data-paths.js'
import { diffCommits } from './dataset-diff.js'
import { exportCommit, fileAt, localFileOf, placeOf } from './file-access.js'
import { FileStatCache } from './file-stat-cache.js'
import { LeaseTable, type LeaseTableConfig } from './lease-table.js'
import { type MergeOptions, type MergeResult, mergeInto, revertCommit } from './merge-ops.js'
import type { RepoContext } from './repo-context.js'
import { RepoDb } from './repo-db.js'
import { type FsckOptions, fsckRepository } from './repo-fsck.js'
import { type GcOptions, gcRepository } from './repo-gc.js'
import { assertDatasetName, assertRefName } from './repo-names.js'
import type {
  Commit,
  CommitInput,
  Dataset,
  DatasetDiff,
  DeclaredSchema,
  FileEntry,
  FsckReport,
  GcReport,
  Progress,
  Ref,
} from './repo-types.js'
import { defaultTabularHooks, type TabularHooks } from './tabular-hooks.js'
import { TreeStore } from './tree-store.js'

/** Dependencies of {@link DataRepository} beyond its service context, and tuning. */
export interface DataRepositoryConfig {
  /** Reads tabular files (schema inference, validation, diff by key). */
  engine: TableEngine
  /** Where spooled uploads and local copies of remote or chunked files live. */
  cacheDir: string
  /** Chunking and upload tuning. */
  objects?: Omit<ObjectStoreConfig, 'blobs'>
  /** Commit/gc lease timing. */
  leases?: LeaseTableConfig
  /** Tabular operations (default: the `src/data/tabular` module). */
  tabular?: TabularHooks
  /**
   * Re-use the objects of local files whose path, size, mtime and inode match an earlier
   * commit instead of reading them again (default true; see {@link FileStatCache}).
   */
  statCache?: boolean
}

/**
 * Versioned datasets: named collections of files with immutable, content-addressed commits,
 * branches and tags, diff, merge and revert, and a lineage node per commit.
 *
 * Storage: file bytes live in the blob store, content-addressed (small files whole, large ones
 * as content-defined chunks plus a manifest), so identical data is stored once. Each directory
 * of a snapshot is a tree blob; a commit row in the metadata database names the root tree.
 * Branches and tags are metadata rows; a branch moves only by compare-and-swap in the same
 * transaction that inserts the commit and its lineage, after every object and tree is stored.
 *
 * Concurrency: two writers committing to one branch never lose work. If the branch moved
 * while a commit was being written, the commit is re-applied onto the new head when the two
 * changed disjoint sets of files (an automatic rebase: the result has both changes, the later
 * commit's parent is the earlier one), and fails with `CONFLICT` listing the paths in
 * `details.conflicts` when they changed the same files differently. Nothing is committed then.
 *
 * Commits, merges and reverts without an author are the context principal's; creation times
 * come from the context's clock.
 *
 * @example
 * const repo = await strata.data()
 * await repo.createDataset('flights')
 * const c = await repo.commit('flights', { message: 'raw drop', changes: [{ path: 'raw', source: './data' }] })
 * for await (const piece of await repo.readFile('flights', 'main', 'raw/2024.csv')) process.stdout.write(piece)
 */
export class DataRepository {
  private readonly ctx: RepoContext

  /** Built by `platform/` (see `Strata.data`); the metadata needs `dataMigrations` and `lineageMigrations`. */
  constructor(context: ServiceContext, config: DataRepositoryConfig) {
    const db = new RepoDb(context.metadata)
    const objects = new ObjectStore({ ...config.objects, blobs: context.blobs })
    const hooks = config.tabular ?? defaultTabularHooks
    this.ctx = {
      db,
      blobs: context.blobs,
      objects,
      trees: new TreeStore(objects),
      leases: new LeaseTable(db.db, context.clock, config.leases),
      lineage: context.lineage,
      principal: context.principal,
      clock: context.clock,
      engine: config.engine,
      cacheDir: config.cacheDir,
      statCache:
        config.statCache === false ? undefined : new FileStatCache(join(config.cacheDir, 'file-stats.json')),
      tabular: () => Promise.resolve(hooks),
    }
  }

  /** Creates a dataset with an empty default branch `main`; `ALREADY_EXISTS` when the name is taken. */
  async createDataset(
    name: string,
    opts: { description?: string; schema?: DeclaredSchema; defaultBranch?: string } = {},
  ): Promise<Dataset> {
    assertDatasetName(name)
    const defaultBranch = opts.defaultBranch ?? 'main'
    assertRefName(defaultBranch, 'branch')
    const schema = opts.schema === undefined ? null : (await this.ctx.tabular()).parseSchema(opts.schema)
    const dataset: Dataset = {
      name,
      description: opts.description ?? '',
      schema,
      defaultBranch,
      createdAt: this.ctx.clock.now(),
    }
    await this.ctx.db.insertDataset(dataset)
    return dataset
  }

  /** One dataset, or `NOT_FOUND` naming the ones that exist. */
  async getDataset(name: string): Promise<Dataset> {
    const found = await this.ctx.db.dataset(name)
    if (found !== undefined) return found
    const names = (await this.ctx.db.datasets()).map((d) => d.name)
    throw new StrataError(
      'NOT_FOUND',
      `dataset "${name}" does not exist; ${names.length === 0 ? 'there are none yet' : `existing: ${names.slice(0, 10).join(', ')}`} (create it with "strata data create ${name}")`,
      { details: { dataset: name } },
    )
  }

  /**
   * A commit by its full id, in whichever dataset it is (lineage names commits by id alone:
   * `dataset-commit:<id>`); `NOT_FOUND` when no dataset has it.
   */
  async getCommit(id: string): Promise<Commit> {
    const found = /^[0-9a-f]{64}$/.test(id) ? await this.ctx.db.commit(id) : undefined
    if (found === undefined) {
      throw new StrataError('NOT_FOUND', `commit "${id}" does not exist; give a full 64-hex commit id`, {
        details: { commit: id },
      })
    }
    return found
  }

  /** Every dataset, by name. */
  listDatasets(): Promise<Dataset[]> {
    return this.ctx.db.datasets()
  }

  /** Changes a dataset's description or declared schema (`null` removes it; applies to later commits). */
  async updateDataset(
    name: string,
    patch: { description?: string; schema?: DeclaredSchema | null },
  ): Promise<Dataset> {
    await this.getDataset(name)
    const schema =
      patch.schema === undefined || patch.schema === null
        ? patch.schema
        : (await this.ctx.tabular()).parseSchema(patch.schema)
    await this.ctx.db.updateDataset(name, { ...patch, ...(schema === undefined ? {} : { schema }) })
    return this.getDataset(name)
  }

  /**
   * Commits file changes to a branch (default `main`) and resolves the new commit.
   *
   * Files are streamed (a large file never sits in memory) and stored before the branch moves.
   * Tabular files get their schema inferred and, when the dataset declares a schema, are
   * validated first: any malformed or non-conforming file rejects the whole commit with
   * `INVALID_ARGUMENT` and `details.issues` (file, row, column, value, expected), and nothing
   * is committed. A commit that changes nothing fails `FAILED_PRECONDITION` unless `allowEmpty`.
   * Concurrent commits to one branch: automatic rebase when they touch different files,
   * `CONFLICT` (with `details.conflicts`) when they touch the same ones.
   */
  async commit(dataset: string, input: CommitInput): Promise<Commit> {
    return commitChanges(this.ctx, await this.getDataset(dataset), input)
  }

  /** A commit by branch, tag, full or unique-prefix id, each optionally with `~N` (N-th first parent). */
  async resolve(dataset: string, ref: string): Promise<Commit> {
    await this.getDataset(dataset)
    return resolveRef(this.ctx.db, dataset, ref)
  }

  /** The files of a commit, sorted by path; `prefix` limits them to one directory (or file). */
  async files(dataset: string, ref: string, opts: { prefix?: string } = {}): Promise<FileEntry[]> {
    const commit = await this.resolve(dataset, ref)
    return this.ctx.trees.list(commit.tree, normalizeDataPath(opts.prefix ?? '', { allowRoot: true }))
  }

  /** One file's entry; `NOT_FOUND` when the path is missing or a directory. */
  async stat(dataset: string, ref: string, path: string): Promise<FileEntry> {
    return fileAt(this.ctx, await this.resolve(dataset, ref), path)
  }

  /** Streams one file's bytes. */
  async readFile(dataset: string, ref: string, path: string): Promise<AsyncIterable<Uint8Array>> {
    const file = await this.stat(dataset, ref, path)
    return this.ctx.objects.open(file.object, file.chunks !== undefined, placeOf(dataset, ref, file.path))
  }

  /** A local filesystem path holding exactly the file's bytes (for DuckDB); cached under `cacheDir` when needed. */
  async localFile(dataset: string, ref: string, path: string): Promise<string> {
    const file = await this.stat(dataset, ref, path)
    return localFileOf(this.ctx, file, placeOf(dataset, ref, file.path))
  }

  /**
   * History from `ref` (default the default branch), newest first; `paths` keeps commits that
   * changed a file under one of them relative to their first parent. An empty branch has none.
   */
  async log(
    dataset: string,
    opts: { ref?: string; paths?: string[]; limit?: number } = {},
  ): Promise<Commit[]> {
    const ds = await this.getDataset(dataset)
    const refName = opts.ref ?? ds.defaultBranch
    const ref = await this.ctx.db.ref(dataset, refName)
    if (ref !== undefined && ref.commit === null) return []
    const head = await resolveRef(this.ctx.db, dataset, refName)
    const paths = opts.paths?.map((p) => normalizeDataPath(p, { allowRoot: true }))
    const loader = new CommitLoader(this.ctx.db, dataset)
    return loader.log(head.id, {
      ...(paths === undefined ? {} : { paths }),
      ...(opts.limit === undefined ? {} : { limit: opts.limit }),
      trees: this.ctx.trees,
    })
  }

  /** Differences from `from` to `to` (see {@link diffCommits}); `from` may be `null` for "nothing". */
  async diff(
    dataset: string,
    from: string | null,
    to: string,
    opts: { key?: string[] } = {},
  ): Promise<DatasetDiff> {
    const a = from === null ? null : await this.resolve(dataset, from)
    const b = await this.resolve(dataset, to)
    return diffCommits(this.ctx, a, b, opts)
  }

  /** Writes a commit's files (or those under `paths`) into `dir`, each file atomically. */
  async exportTo(
    dataset: string,
    ref: string,
    dir: string,
    opts: { paths?: string[]; onProgress?: (p: Progress) => void } = {},
  ): Promise<{ files: number; bytes: number }> {
    return exportCommit(this.ctx, await this.resolve(dataset, ref), dir, { ...opts, ref })
  }

  /** Branches and tags of a dataset. */
  async refs(dataset: string): Promise<Ref[]> {
    await this.getDataset(dataset)
    return (await this.ctx.db.refs(dataset)).map(({ dataset: _d, ...r }) => r)
  }

  /** Creates a branch at `from` (any ref; default the default branch's head, or empty if it has none). */
  async branch(dataset: string, name: string, from?: string): Promise<Ref> {
    const ds = await this.getDataset(dataset)
    assertRefName(name, 'branch')
    let commit: string | null = null
    if (from !== undefined) commit = (await resolveRef(this.ctx.db, dataset, from)).id
    else commit = (await this.ctx.db.ref(dataset, ds.defaultBranch))?.commit ?? null
    const ref: Ref = { name, kind: 'branch', commit, updatedAt: this.ctx.clock.now() }
    await this.ctx.db.insertRef(dataset, ref)
    return ref
  }

  /** Creates an immutable tag at `ref`. */
  async tag(dataset: string, name: string, ref: string): Promise<Ref> {
    await this.getDataset(dataset)
    assertRefName(name, 'tag')
    const commit = await resolveRef(this.ctx.db, dataset, ref)
    const tag: Ref = { name, kind: 'tag', commit: commit.id, updatedAt: this.ctx.clock.now() }
    await this.ctx.db.insertRef(dataset, tag)
    return tag
  }

  /**
   * Merges `source` (any ref) into the branch `into`: fast-forward when `into` is an ancestor
   * of `source`; otherwise a three-way merge at the file level, committed with both parents,
   * when no file was changed differently on both sides; else `CONFLICT` with the paths in
   * `details.conflicts` (`{ path, reason, base?, ours?, theirs? }`) and nothing committed.
   */
  async merge(dataset: string, source: string, into: string, opts: MergeOptions = {}): Promise<MergeResult> {
    return mergeInto(this.ctx, await this.getDataset(dataset), source, into, opts)
  }

  /** Commits the inverse of a commit's changes on `branch` (default the default branch). */
  async revert(
    dataset: string,
    commitRef: string,
    opts: MergeOptions & { branch?: string } = {},
  ): Promise<Commit> {
    const ds = await this.getDataset(dataset)
    return revertCommit(this.ctx, ds, commitRef, opts.branch ?? ds.defaultBranch, opts)
  }

  /** Checks refs, commits and trees and re-hashes every reachable object (see {@link fsckRepository}). */
  fsck(opts: FsckOptions = {}): Promise<FsckReport> {
    return fsckRepository(this.ctx, opts)
  }

  /** Removes unreachable blobs; a dry run unless `dryRun: false` (see {@link gcRepository}). */
  gc(opts: GcOptions = {}): Promise<GcReport> {
    return gcRepository(this.ctx, opts)
  }
}
