import type { Kysely } from 'kysely'
import { StrataError } from '../../core/errors.js'
import { writeTransaction } from '../../db/index.js'
import type { ObjectId } from '../objects/index.js'
import type { Lease } from './lease-table.js'
import type { RepoContext } from './repo-context.js'
import { computeCommitId, shortId } from './repo-names.js'
import type { Commit, CommitStats } from './repo-types.js'
import { diffTrees } from './tree-diff.js'

/** A commit ready to be published on a branch. */
export interface PublishInput {
  dataset: string
  branch: string
  /** The head the tree was built on; the branch moves only if it still points here. */
  expectedHead: ObjectId | null
  tree: ObjectId
  parents: ObjectId[]
  author: string
  message: string
  metadata: Record<string, string>
  createdAt: number
  /** The writer's lease, consumed in the ref-move transaction (absent when nothing was written). */
  lease?: Lease
}

/**
 * Publishes a commit: in one metadata transaction, moves the branch by compare-and-swap from
 * `expectedHead`, inserts the commit row, records lineage (`dataset-commit:<id>` with an edge
 * from each parent) and consumes the writer's lease. Everything the commit references was
 * stored before, so a crash at any point leaves either the old head or the new one.
 * Resolves `undefined` when the branch moved meanwhile (nothing was changed).
 */
export async function publishCommit(ctx: RepoContext, input: PublishInput): Promise<Commit | undefined> {
  const stats = await commitStats(ctx, input.tree, input.parents[0])
  const content = {
    dataset: input.dataset,
    tree: input.tree,
    parents: input.parents,
    author: input.author,
    message: input.message,
    createdAt: input.createdAt,
    metadata: input.metadata,
  }
  const commit: Commit = { id: computeCommitId(content), ...content, stats }
  const moved = await writeTransaction(ctx.db.db, async (trx) => {
    const ok = await ctx.db.moveBranch(
      trx,
      input.dataset,
      input.branch,
      input.expectedHead,
      commit.id,
      Date.now(),
    )
    if (!ok) return false
    if (input.lease !== undefined && !(await input.lease.consume(trx))) {
      throw new StrataError(
        'UNAVAILABLE',
        `the commit to ${input.dataset}@${input.branch} paused longer than the ${ctx.leases.ttlMs} ms lease and a gc may have removed its objects; nothing was committed, retry`,
      )
    }
    await ctx.db.insertCommit(trx, commit)
    await ctx.lineage.record(
      {
        inputs: input.parents.map((p) => `dataset-commit:${p}`),
        output: {
          id: `dataset-commit:${commit.id}`,
          label: `${input.dataset}@${input.branch} ${shortId(commit.id)}`,
        },
        activity: 'commit',
        at: commit.createdAt,
      },
      trx as unknown as Kysely<object>,
    )
    return true
  })
  return moved ? commit : undefined
}

/** Files and bytes of `tree`, and what changed since `parent`'s tree. */
async function commitStats(
  ctx: RepoContext,
  tree: ObjectId,
  parent: ObjectId | undefined,
): Promise<CommitStats> {
  const root = await ctx.trees.lookup(tree, '')
  const parentTree = parent === undefined ? null : ((await ctx.db.commit(parent))?.tree ?? null)
  const changes = await diffTrees(ctx.trees, parentTree, tree)
  const stats: CommitStats = {
    files: root?.kind === 'dir' ? root.files : 0,
    bytes: root?.kind === 'dir' ? root.size : 0,
    added: 0,
    changed: 0,
    removed: 0,
  }
  for (const c of changes) {
    if (c.before === undefined) stats.added++
    else if (c.after === undefined) stats.removed++
    else stats.changed++
  }
  return stats
}
