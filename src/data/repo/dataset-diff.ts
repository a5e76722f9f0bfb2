import { localFileOf } from './file-access.js'
import type { RepoContext } from './repo-context.js'
import type { Commit, DatasetDiff, DiffChange, DiffFile, TableChange, TableSchema } from './repo-types.js'
import { diffTrees } from './tree-diff.js'
import type { FileLeaf } from './tree-store.js'

/**
 * The difference between two commits: added, removed and changed files with sizes; for
 * tabular files row counts and column changes (from the schemas stored in the trees, without
 * reading data); with `key`, a row-level summary computed by the tabular helper on both versions.
 */
export async function diffCommits(
  ctx: RepoContext,
  from: Commit | null,
  to: Commit,
  opts: { key?: string[] } = {},
): Promise<DatasetDiff> {
  const changes = await diffTrees(ctx.trees, from?.tree ?? null, to.tree)
  const diff: DatasetDiff = {
    dataset: to.dataset,
    from: from?.id ?? null,
    to: to.id,
    added: [],
    removed: [],
    changed: [],
    summary: { added: 0, removed: 0, changed: 0, bytesAdded: 0, bytesRemoved: 0 },
  }
  for (const c of changes) {
    if (c.before === undefined && c.after !== undefined) {
      diff.added.push(diffFile(c.path, c.after))
      diff.summary.bytesAdded += c.after.size
    } else if (c.after === undefined && c.before !== undefined) {
      diff.removed.push(diffFile(c.path, c.before))
      diff.summary.bytesRemoved += c.before.size
    } else if (c.before !== undefined && c.after !== undefined) {
      const change: DiffChange = {
        path: c.path,
        before: diffFile(c.path, c.before),
        after: diffFile(c.path, c.after),
      }
      if (c.before.table !== undefined && c.after.table !== undefined) {
        change.table = tableChange(c.before.table, c.after.table)
        if (opts.key !== undefined && opts.key.length > 0 && c.before.table.format === c.after.table.format) {
          const tabular = await ctx.tabular()
          const [a, b] = await Promise.all([
            localFileOf(ctx, { path: c.path, ...c.before }),
            localFileOf(ctx, { path: c.path, ...c.after }),
          ])
          const rows = await tabular.diff(ctx.engine, a, b, c.after.table.format, opts.key, c.path)
          if (rows.byKey !== undefined) change.table.byKey = rows.byKey
        }
      }
      diff.changed.push(change)
      diff.summary.bytesAdded += Math.max(0, c.after.size - c.before.size)
      diff.summary.bytesRemoved += Math.max(0, c.before.size - c.after.size)
    }
  }
  diff.summary.added = diff.added.length
  diff.summary.removed = diff.removed.length
  diff.summary.changed = diff.changed.length
  return diff
}

function diffFile(path: string, leaf: FileLeaf): DiffFile {
  const f: DiffFile = { path, size: leaf.size, object: leaf.object }
  if (leaf.table !== undefined) f.table = leaf.table
  return f
}

function tableChange(before: TableSchema, after: TableSchema): TableChange {
  const b = new Map(before.columns.map((c) => [c.name, c.type]))
  const a = new Map(after.columns.map((c) => [c.name, c.type]))
  return {
    rowsBefore: before.rows,
    rowsAfter: after.rows,
    columnsAdded: after.columns.filter((c) => !b.has(c.name)).map((c) => c.name),
    columnsRemoved: before.columns.filter((c) => !a.has(c.name)).map((c) => c.name),
    typesChanged: after.columns
      .filter((c) => b.has(c.name) && b.get(c.name) !== c.type)
      .map((c) => ({ name: c.name, before: b.get(c.name) as string, after: c.type })),
  }
}
