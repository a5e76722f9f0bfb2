import { StrataError } from '../../core/errors.js'
import { writeTransaction } from '../../db/index.js'
import type { ObjectId } from '../objects/index.js'
import { conflictError } from './commit-changes.js'
import { CommitLoader, resolveRef } from './commit-history.js'
import { publishCommit } from './commit-publisher.js'
import type { Lease } from './lease-table.js'
import { mergeTrees } from './merge-trees.js'
import type { RepoContext } from './repo-context.js'
import { shortId } from './repo-names.js'
import type { Commit, Dataset } from './repo-types.js'

/** What a merge did. */
export interface MergeResult {
  /** `fast-forward`: the branch moved to the source; `merge`: a merge commit; `up-to-date`: nothing to do. */
  kind: 'fast-forward' | 'merge' | 'up-to-date'
  /** The branch's head afterwards. */
  commit: Commit
}

/** Options of merge and revert. */
export interface MergeOptions {
  author?: string
  message?: string
  metadata?: Record<string, string>
}

const MAX_ATTEMPTS = 20

/** Merges `source` (any ref) into the branch `into`; see {@link DataRepository.merge}. */
export async function mergeInto(
  ctx: RepoContext,
  dataset: Dataset,
  source: string,
  into: string,
  opts: MergeOptions = {},
): Promise<MergeResult> {
  const src = await resolveRef(ctx.db, dataset.name, source)
  const loader = new CommitLoader(ctx.db, dataset.name)
  let lease: Lease | undefined
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const head = await branchHead(ctx, dataset, into)
      if (head !== null && (await loader.isAncestor(src.id, head))) {
        return { kind: 'up-to-date', commit: (await loader.get(head)) as Commit }
      }
      if (head === null || (await loader.isAncestor(head, src.id))) {
        const moved = await writeTransaction(ctx.db.db, (trx) =>
          ctx.db.moveBranch(trx, dataset.name, into, head, src.id, Date.now()),
        )
        if (moved) return { kind: 'fast-forward', commit: src }
        continue
      }
      const baseId = await loader.mergeBase(head, src.id)
      const base = baseId === null ? null : (await loader.get(baseId)).tree
      const ours = (await loader.get(head)).tree
      lease ??= await ctx.leases.acquireCommit()
      const merged = await mergeTrees(ctx.trees, ctx.objects.writer(), base, ours, src.tree)
      if (!merged.ok) {
        throw conflictError(`cannot merge ${source} into ${into}: both changed`, merged.conflicts, {
          dataset: dataset.name,
          source,
          into,
          base: baseId,
        })
      }
      const commit = await publishCommit(ctx, {
        dataset: dataset.name,
        branch: into,
        expectedHead: head,
        tree: merged.tree,
        parents: [head, src.id],
        author: opts.author ?? ctx.principal.id,
        message: opts.message ?? `Merge ${source} (${shortId(src.id)}) into ${into}`,
        metadata: opts.metadata ?? {},
        createdAt: ctx.clock.now(),
        lease,
      })
      if (commit !== undefined) return { kind: 'merge', commit }
    }
    throw new StrataError('UNAVAILABLE', `${dataset.name}@${into} kept moving during the merge; retry`)
  } finally {
    await lease?.release().catch(() => {})
  }
}

/**
 * Commits the inverse of `commitRef`'s changes (relative to its first parent) on `branch`, as a
 * three-way merge; `CONFLICT` when a reverted file changed again since.
 */
export async function revertCommit(
  ctx: RepoContext,
  dataset: Dataset,
  commitRef: string,
  branch: string,
  opts: MergeOptions = {},
): Promise<Commit> {
  const target = await resolveRef(ctx.db, dataset.name, commitRef)
  const loader = new CommitLoader(ctx.db, dataset.name)
  const parentTree = target.parents[0] === undefined ? null : (await loader.get(target.parents[0])).tree
  const lease = await ctx.leases.acquireCommit()
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const head = await branchHead(ctx, dataset, branch)
      if (head === null) {
        throw new StrataError(
          'FAILED_PRECONDITION',
          `branch "${branch}" of "${dataset.name}" has no commits to revert`,
        )
      }
      const headCommit = await loader.get(head)
      const merged = await mergeTrees(
        ctx.trees,
        ctx.objects.writer(),
        target.tree,
        headCommit.tree,
        parentTree,
      )
      if (!merged.ok) {
        throw conflictError(
          `cannot revert ${shortId(target.id)} on ${branch}: changed again since`,
          merged.conflicts,
          { dataset: dataset.name, commit: target.id, branch },
        )
      }
      if (merged.tree === headCommit.tree) {
        throw new StrataError(
          'FAILED_PRECONDITION',
          `reverting ${shortId(target.id)} changes nothing on ${dataset.name}@${branch}`,
          { details: { dataset: dataset.name, commit: target.id, branch } },
        )
      }
      const commit = await publishCommit(ctx, {
        dataset: dataset.name,
        branch,
        expectedHead: head,
        tree: merged.tree,
        parents: [head],
        author: opts.author ?? ctx.principal.id,
        message:
          opts.message ?? `Revert "${target.message.split('\n')[0]}"\n\nThis reverts commit ${target.id}.`,
        metadata: { ...(opts.metadata ?? {}), reverts: target.id },
        createdAt: ctx.clock.now(),
        lease,
      })
      if (commit !== undefined) return commit
    }
    throw new StrataError('UNAVAILABLE', `${dataset.name}@${branch} kept moving during the revert; retry`)
  } finally {
    await lease.release().catch(() => {})
  }
}

async function branchHead(ctx: RepoContext, dataset: Dataset, branch: string): Promise<ObjectId | null> {
  const ref = await ctx.db.ref(dataset.name, branch)
  if (ref === undefined || ref.kind !== 'branch') {
    throw new StrataError(
      ref === undefined ? 'NOT_FOUND' : 'FAILED_PRECONDITION',
      ref === undefined
        ? `dataset "${dataset.name}" has no branch "${branch}"`
        : `"${branch}" is a tag of "${dataset.name}"; only branches move`,
      { details: { dataset: dataset.name, branch } },
    )
  }
  return ref.commit
}
