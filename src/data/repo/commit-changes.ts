import { StrataError } from '../../core/errors.js'
import type { ObjectId, ObjectWriter } from '../objects/index.js'
import { publishCommit } from './commit-publisher.js'
import { type MergeConflict, mergeTrees } from './merge-trees.js'
import type { RepoContext } from './repo-context.js'
import { assertMetadata, shortId } from './repo-names.js'
import type { Commit, CommitInput, Dataset } from './repo-types.js'
import { stageChanges } from './stage-changes.js'
import { TreeEditor } from './tree-editor.js'

/** How many times a commit re-applies itself onto a branch that other writers keep moving. */
const MAX_REBASES = 50

/**
 * Commits changes to a branch (see {@link DataRepository.commit} for the contract): stages and
 * stores the files under a commit lease, writes the changed trees, then publishes with a
 * compare-and-swap on the branch. When another writer moved the branch meanwhile, the commit
 * is re-applied onto the new head if the two touched different files, else fails `CONFLICT`.
 */
export async function commitChanges(ctx: RepoContext, dataset: Dataset, input: CommitInput): Promise<Commit> {
  if (typeof input.message !== 'string' || input.message.trim() === '') {
    throw new StrataError('INVALID_ARGUMENT', 'a commit needs a non-empty message')
  }
  if (!Array.isArray(input.changes)) throw new StrataError('INVALID_ARGUMENT', 'changes must be an array')
  const metadata = input.metadata ?? {}
  assertMetadata(metadata)
  const branch = input.branch ?? dataset.defaultBranch
  const ref = await ctx.db.ref(dataset.name, branch)
  if (ref === undefined || ref.kind !== 'branch') {
    throw new StrataError(
      ref === undefined ? 'NOT_FOUND' : 'FAILED_PRECONDITION',
      ref === undefined
        ? `dataset "${dataset.name}" has no branch "${branch}"; create it with "strata data branch ${dataset.name} ${branch}"`
        : `"${branch}" is a tag of "${dataset.name}"; commits go to branches`,
      { details: { dataset: dataset.name, branch } },
    )
  }
  const baseHead = ref.commit
  if (input.expectedHead !== undefined && input.expectedHead !== baseHead)
    throw headMoved(dataset, branch, input.expectedHead, baseHead)
  const baseTree = baseHead === null ? null : ((await ctx.db.commit(baseHead))?.tree ?? null)
  const lease = await ctx.leases.acquireCommit()
  try {
    // Objects are written without per-object fsync and synced in one batch before the ref moves.
    const writer = ctx.objects.writer({ deferDurability: true })
    const staged = await stageChanges(ctx, input.changes, {
      writer,
      schema: dataset.schema,
      baseLeaf: async (path) => {
        if (baseTree === null) return undefined
        const found = await ctx.trees.lookup(baseTree, path)
        return found?.kind === 'file' ? found.leaf : undefined
      },
      onProgress: input.onProgress,
      statCache: ctx.statCache,
    })
    const ops = staged.ops
    input.onProgress?.({ phase: 'tree', done: 0, total: 1, bytes: writer.stats.bytesIn })
    const root = baseTree === null ? undefined : await ctx.trees.lookup(baseTree, '')
    const editor = new TreeEditor(
      ctx.trees,
      baseTree !== null && root?.kind === 'dir' ? { id: baseTree, files: root.files, size: root.size } : null,
    )
    for (const op of ops) {
      if (op.kind === 'delete') await editor.remove(op.path)
      else await editor.put(op.path, op.leaf)
    }
    const mine = (await editor.write(writer)).id
    if (mine === baseTree && input.allowEmpty !== true) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `nothing to commit: the changes leave ${dataset.name}@${branch} as it is (pass --allow-empty, or allowEmpty in the SDK, to commit anyway)`,
        { details: { dataset: dataset.name, branch, head: baseHead } },
      )
    }
    input.onProgress?.({ phase: 'commit', done: 0, total: 1, bytes: writer.stats.bytesIn })
    const createdAt = ctx.clock.now()
    const author = input.author ?? ctx.principal.id
    let head = baseHead
    let tree = mine
    for (let attempt = 0; ; attempt++) {
      // Everything the commit references (objects, manifests, trees, also the rebased ones) is durable first.
      await writer.flush()
      const commit = await publishCommit(ctx, {
        dataset: dataset.name,
        branch,
        expectedHead: head,
        tree,
        parents: head === null ? [] : [head],
        author,
        message: input.message,
        metadata,
        createdAt,
        lease,
      })
      if (commit !== undefined) {
        // A failure to save the cache must not fail a published commit.
        await staged.remember().catch(() => {})
        input.onProgress?.({ phase: 'commit', done: 1, total: 1, bytes: writer.stats.bytesIn })
        return commit
      }
      if (input.expectedHead !== undefined) {
        throw headMoved(
          dataset,
          branch,
          input.expectedHead,
          (await ctx.db.ref(dataset.name, branch))?.commit ?? null,
        )
      }
      if (attempt >= MAX_REBASES) {
        throw new StrataError(
          'UNAVAILABLE',
          `${dataset.name}@${branch} kept moving; gave up after ${attempt} rebases`,
        )
      }
      head = (await ctx.db.ref(dataset.name, branch))?.commit ?? null
      tree = await rebase(ctx, writer, dataset.name, branch, baseTree, head, mine)
    }
  } finally {
    await lease.release().catch(() => {})
  }
}

/** `CONFLICT`: the branch is not at the head a commit with `expectedHead` was made for. */
function headMoved(
  dataset: Dataset,
  branch: string,
  expected: string | null,
  head: string | null,
): StrataError {
  const name = (id: string | null) => (id === null ? '(no commit)' : shortId(id))
  return new StrataError(
    'CONFLICT',
    `${dataset.name}@${branch} is at ${name(head)}, not at the expected head ${name(expected)}; nothing was committed`,
    { details: { dataset: dataset.name, branch, expectedHead: expected, head } },
  )
}

/** Re-applies `base → mine` onto the branch's new head, or fails `CONFLICT` listing the paths both touched. */
async function rebase(
  ctx: RepoContext,
  writer: ObjectWriter,
  dataset: string,
  branch: string,
  base: ObjectId | null,
  head: ObjectId | null,
  mine: ObjectId,
): Promise<ObjectId> {
  const headTree = head === null ? null : ((await ctx.db.commit(head))?.tree ?? null)
  const merged = await mergeTrees(ctx.trees, writer, base, headTree, mine)
  if (merged.ok) return merged.tree
  throw conflictError(
    `${dataset}@${branch} moved to ${head === null ? '(empty)' : shortId(head)} while this commit was written, and both changed`,
    merged.conflicts,
    { dataset, branch, head },
  )
}

/** The `CONFLICT` error for a failed merge, listing the paths in the message and `details.conflicts`. */
export function conflictError(
  what: string,
  conflicts: MergeConflict[],
  details: Record<string, unknown>,
): StrataError {
  const shown = conflicts.slice(0, 5).map((c) => c.path)
  const more = conflicts.length > shown.length ? ` and ${conflicts.length - shown.length} more` : ''
  return new StrataError(
    'CONFLICT',
    `${what} ${shown.map((p) => `"${p}"`).join(', ')}${more}; nothing was committed`,
    {
      details: { ...details, conflicts },
    },
  )
}
