import type { Kysely, Transaction } from 'kysely'
import { StrataError } from '../../core/errors.js'
import {
  isUniqueViolation,
  type MetadataDatabase,
  translateDbError,
  writeTransaction,
} from '../../db/index.js'
import type { ObjectId } from '../objects/index.js'
import type { DataTables } from './data-migrations.js'
import type { Commit, Dataset, DeclaredSchema, Ref } from './repo-types.js'

/** A transaction over the data tables. */
export type DataTrx = Transaction<DataTables>

type CommitRow = DataTables['data_commits']

/** Reads and writes the data tables (datasets, refs, commits); every query works on both dialects. */
export class RepoDb {
  readonly db: Kysely<DataTables>

  constructor(readonly metadata: MetadataDatabase) {
    this.db = metadata.db.withTables<DataTables>()
  }

  async insertDataset(dataset: Dataset): Promise<void> {
    const like = await this.datasetNamedLike(dataset.name)
    if (like !== undefined && like.name !== dataset.name) {
      throw new StrataError(
        'ALREADY_EXISTS',
        `dataset "${like.name}" already exists and differs from "${dataset.name}" only in case; choose another name`,
        { details: { dataset: dataset.name, existing: like.name } },
      )
    }
    try {
      await writeTransaction(this.db, async (trx) => {
        await trx
          .insertInto('data_datasets')
          .values({
            name: dataset.name,
            description: dataset.description,
            schema: dataset.schema === null ? null : JSON.stringify(dataset.schema),
            default_branch: dataset.defaultBranch,
            created_at: dataset.createdAt,
          })
          .execute()
        await trx
          .insertInto('data_refs')
          .values({
            dataset: dataset.name,
            name: dataset.defaultBranch,
            kind: 'branch',
            commit_id: null,
            created_at: dataset.createdAt,
            updated_at: dataset.createdAt,
          })
          .execute()
      })
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new StrataError('ALREADY_EXISTS', `dataset "${dataset.name}" already exists`, {
          cause: err,
          details: { dataset: dataset.name },
        })
      }
      throw translateDbError(err, `creating dataset "${dataset.name}"`)
    }
  }

  async updateDataset(
    name: string,
    patch: { description?: string; schema?: DeclaredSchema | null },
  ): Promise<void> {
    const set: { description?: string; schema?: string | null } = {}
    if (patch.description !== undefined) set.description = patch.description
    if (patch.schema !== undefined) set.schema = patch.schema === null ? null : JSON.stringify(patch.schema)
    if (Object.keys(set).length === 0) return
    await this.db.updateTable('data_datasets').set(set).where('name', '=', name).execute()
  }

  async dataset(name: string): Promise<Dataset | undefined> {
    const row = await this.db
      .selectFrom('data_datasets')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst()
    return row === undefined ? undefined : toDataset(row)
  }

  async datasets(): Promise<Dataset[]> {
    const rows = await this.db.selectFrom('data_datasets').selectAll().orderBy('name').execute()
    return rows.map(toDataset)
  }

  async ref(dataset: string, name: string): Promise<Ref | undefined> {
    const row = await this.db
      .selectFrom('data_refs')
      .selectAll()
      .where('dataset', '=', dataset)
      .where('name', '=', name)
      .executeTakeFirst()
    return row === undefined ? undefined : toRef(row)
  }

  /** A ref of `dataset` whose name equals `name` ignoring case (`Main` for `main`), if any. */
  async refNamedLike(dataset: string, name: string): Promise<Ref | undefined> {
    const row = await this.db
      .selectFrom('data_refs')
      .selectAll()
      .where('dataset', '=', dataset)
      .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()))
      .executeTakeFirst()
    return row === undefined ? undefined : toRef(row)
  }

  /** A dataset whose name equals `name` ignoring case, if any. */
  async datasetNamedLike(name: string): Promise<Dataset | undefined> {
    const row = await this.db
      .selectFrom('data_datasets')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()))
      .executeTakeFirst()
    return row === undefined ? undefined : toDataset(row)
  }

  async refs(dataset?: string): Promise<(Ref & { dataset: string })[]> {
    let q = this.db.selectFrom('data_refs').selectAll()
    if (dataset !== undefined) q = q.where('dataset', '=', dataset)
    const rows = await q.orderBy('dataset').orderBy('kind').orderBy('name').execute()
    return rows.map((r) => ({ ...toRef(r), dataset: r.dataset }))
  }

  /** Creates a branch or tag; `ALREADY_EXISTS` when the name is taken in this dataset. */
  async insertRef(dataset: string, ref: Ref): Promise<void> {
    const like = await this.refNamedLike(dataset, ref.name)
    if (like !== undefined && like.name !== ref.name) {
      throw new StrataError(
        'ALREADY_EXISTS',
        `${dataset} already has a ${like.kind} named "${like.name}", which differs from "${ref.name}" only in case; choose another name`,
        { details: { dataset, ref: ref.name, existing: like.name } },
      )
    }
    try {
      await this.db
        .insertInto('data_refs')
        .values({
          dataset,
          name: ref.name,
          kind: ref.kind,
          commit_id: ref.commit,
          created_at: ref.updatedAt,
          updated_at: ref.updatedAt,
        })
        .execute()
    } catch (err) {
      if (isUniqueViolation(err)) {
        const existing = await this.ref(dataset, ref.name)
        throw new StrataError(
          'ALREADY_EXISTS',
          `${dataset} already has a ${existing?.kind ?? 'ref'} named "${ref.name}"; choose another name`,
          { cause: err, details: { dataset, ref: ref.name } },
        )
      }
      throw translateDbError(err, `creating ref "${ref.name}" of ${dataset}`)
    }
  }

  /**
   * Moves a branch from `expected` to `next` if it still points at `expected` (compare-and-swap).
   * Resolves false when another writer moved it first.
   */
  async moveBranch(
    trx: DataTrx,
    dataset: string,
    branch: string,
    expected: ObjectId | null,
    next: ObjectId,
    at: number,
  ): Promise<boolean> {
    let q = trx
      .updateTable('data_refs')
      .set({ commit_id: next, updated_at: at })
      .where('dataset', '=', dataset)
      .where('name', '=', branch)
      .where('kind', '=', 'branch')
    q = expected === null ? q.where('commit_id', 'is', null) : q.where('commit_id', '=', expected)
    const result = await q.executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  async insertCommit(trx: DataTrx, commit: Commit): Promise<void> {
    await trx
      .insertInto('data_commits')
      .values({
        id: commit.id,
        dataset: commit.dataset,
        tree: commit.tree,
        parents: JSON.stringify(commit.parents),
        author: commit.author,
        message: commit.message,
        created_at: commit.createdAt,
        metadata: JSON.stringify(commit.metadata),
        stats: JSON.stringify(commit.stats),
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute()
  }

  async commit(id: ObjectId): Promise<Commit | undefined> {
    const row = await this.db.selectFrom('data_commits').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : toCommit(row)
  }

  async commitsById(ids: readonly ObjectId[]): Promise<Commit[]> {
    const out: Commit[] = []
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('data_commits')
        .selectAll()
        .where('id', 'in', ids.slice(i, i + 500))
        .execute()
      out.push(...rows.map(toCommit))
    }
    return out
  }

  /** Commits of `dataset` whose id starts with `prefix` (at most `limit`). */
  async commitsByPrefix(dataset: string, prefix: string, limit = 2): Promise<Commit[]> {
    const rows = await this.db
      .selectFrom('data_commits')
      .selectAll()
      .where('dataset', '=', dataset)
      .where('id', '>=', prefix)
      .where('id', '<', `${prefix}g`)
      .limit(limit)
      .execute()
    return rows.map(toCommit)
  }

  /** Up to `limit` commits of `dataset` created at or before `before`, newest first. */
  async commitsBefore(dataset: string, before: number, limit: number): Promise<Commit[]> {
    const rows = await this.db
      .selectFrom('data_commits')
      .selectAll()
      .where('dataset', '=', dataset)
      .where('created_at', '<=', before)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute()
    return rows.map(toCommit)
  }

  /** Every commit's id, dataset and tree, for fsck and gc. */
  async allCommitRoots(): Promise<{ id: string; dataset: string; tree: string }[]> {
    return this.db.selectFrom('data_commits').select(['id', 'dataset', 'tree']).execute()
  }

  /** Every commit (fsck checks ids and parents). */
  async allCommits(): Promise<Commit[]> {
    return (await this.db.selectFrom('data_commits').selectAll().execute()).map(toCommit)
  }
}

function toDataset(row: DataTables['data_datasets']): Dataset {
  return {
    name: row.name,
    description: row.description,
    schema: row.schema === null ? null : (JSON.parse(row.schema) as DeclaredSchema),
    defaultBranch: row.default_branch,
    createdAt: Number(row.created_at),
  }
}

function toRef(row: DataTables['data_refs']): Ref {
  return { name: row.name, kind: row.kind, commit: row.commit_id, updatedAt: Number(row.updated_at) }
}

/** A commit row as a {@link Commit}. */
export function toCommit(row: CommitRow): Commit {
  return {
    id: row.id,
    dataset: row.dataset,
    tree: row.tree,
    parents: JSON.parse(row.parents) as string[],
    author: row.author,
    message: row.message,
    createdAt: Number(row.created_at),
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    stats: JSON.parse(row.stats) as Commit['stats'],
  }
}
