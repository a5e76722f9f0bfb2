import { isStrataError } from '../../core/errors.js'
import type { ObjectId, ObjectWriter } from '../objects/index.js'
import { diffTrees, sameLeaf, type TreeChange } from './tree-diff.js'
import { TreeEditor } from './tree-editor.js'
import type { FileLeaf, TreeStore } from './tree-store.js'

/** A path both sides changed differently since their common base. */
export interface MergeConflict {
  path: string
  /** `both-changed`: both sides changed the file differently; `file-directory`: one side has a file where the other has a directory. */
  reason: 'both-changed' | 'file-directory'
  /** The base version (absent when both sides added the path). */
  base?: FileLeaf
  /** Our version (absent when we deleted it). */
  ours?: FileLeaf
  /** Their version (absent when they deleted it). */
  theirs?: FileLeaf
}

/** The merged tree, or the conflicts that prevent it. */
export type MergeOutcome =
  | { ok: true; tree: ObjectId; applied: TreeChange[] }
  | { ok: false; conflicts: MergeConflict[] }

/**
 * Three-way merge of snapshots at the file level: applies the changes `base → theirs` onto
 * `ours`. A path changed on both sides conflicts unless both made the same change; so does a
 * path that one side made a file and the other a directory. Directory deletes are file
 * deletes here: deleting `d/` on one side and adding `d/x` on the other merges to `d/x` only.
 */
export async function mergeTrees(
  store: TreeStore,
  writer: ObjectWriter,
  base: ObjectId | null,
  ours: ObjectId | null,
  theirs: ObjectId | null,
): Promise<MergeOutcome> {
  const [ourChanges, theirChanges] = await Promise.all([
    diffTrees(store, base, ours),
    diffTrees(store, base, theirs),
  ])
  const byPath = new Map(ourChanges.map((c) => [c.path, c]))
  const conflicts: MergeConflict[] = []
  const apply: TreeChange[] = []
  for (const t of theirChanges) {
    const o = byPath.get(t.path)
    if (o === undefined) apply.push(t)
    else if (!sameLeaf(o.after, t.after))
      conflicts.push(conflictOf('both-changed', t.path, t.before, o.after, t.after))
  }
  if (conflicts.length > 0) return { ok: false, conflicts }
  const root = ours === null ? null : await store.lookup(ours, '')
  const editor = new TreeEditor(
    store,
    root?.kind === 'dir' ? { id: ours as ObjectId, files: root.files, size: root.size } : null,
  )
  for (const c of apply) {
    try {
      if (c.after === undefined) await editor.remove(c.path)
      else await editor.put(c.path, c.after)
    } catch (err) {
      if (!isStrataError(err, 'INVALID_ARGUMENT') || err.details?.collision !== true) throw err
      conflicts.push(conflictOf('file-directory', c.path, c.before, undefined, c.after))
    }
  }
  if (conflicts.length > 0) return { ok: false, conflicts }
  const written = await editor.write(writer)
  return { ok: true, tree: written.id, applied: apply }
}

function conflictOf(
  reason: MergeConflict['reason'],
  path: string,
  base: FileLeaf | undefined,
  ours: FileLeaf | undefined,
  theirs: FileLeaf | undefined,
): MergeConflict {
  const c: MergeConflict = { path, reason }
  if (base !== undefined) c.base = base
  if (ours !== undefined) c.ours = ours
  if (theirs !== undefined) c.theirs = theirs
  return c
}
